#!/usr/bin/python3
"""Runs a compiled Argo WorkflowTemplate on this machine, the way Argo's controller would run it on a
cluster, so that tests can check that what `argo-workflows create` writes actually works.

What it does as Argo does:
  - DAG templates: a task starts when its `depends` expression ("a.Succeeded && b.Succeeded",
    `||` too) holds once the tasks it names are done, and is skipped (Omitted) if it cannot hold;
    `when` ("X == Y", "X != Y" after substitution) skips a task; `withParam` runs the task once
    per element of a JSON list ({{item}}); `failFast` stops the DAG at the first failure.
  - Steps templates: groups of steps run in order (a step's `when` may skip it; a template may
    call itself: a loop), with {{steps.NAME.outputs.parameters.X}}.
  - Parameters: workflow arguments (-p overrides the defaults), template inputs, task outputs
    read from `valueFrom.path` files, DAG outputs from `valueFrom.parameter`; {{workflow.name}},
    {{workflow.creationTimestamp}}, {{retries}}, {{pod.name}}, {{item}} and the expression
    {{=toBase64(workflow.parameters['x'])}}. A reference that does not resolve is an error.
  - Container templates: `command` + `args` run as a local process with the container's `env`;
    each emptyDir volume is a fresh directory per attempt, its mountPath rewritten to that
    directory in args and output paths; `retryStrategy.limit` retries (backoff not waited for);
    `activeDeadlineSeconds` kills the attempt.
What it does not do: images, pods, resources, node selection, secrets (envFrom), service
accounts, backoff delays, Argo's own retries of failed pods beyond the template's limit.

Usage: argo_executor.py FILE --workflow-name NAME [-p NAME=VALUE ...] [--work DIR] [--parallel N]
Prints the run id (argo-NAME) on success; exit 1 if the workflow failed, 2 on bad input.
"""
import argparse
import base64
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

import yaml

REFERENCE = re.compile(r"\{\{([^{}]*)\}\}")
TO_BASE64 = re.compile(r"^=toBase64\(workflow\.parameters\['([-A-Za-z0-9_]+)'\]\)$")
DEPENDENCY = re.compile(r"([-A-Za-z0-9]+)\.Succeeded")


class WorkflowFailed(Exception):
    pass


class BadTemplate(Exception):
    pass


def substitute(text, scope):
    def one(match):
        ref = match.group(1).strip()
        expression = TO_BASE64.match(ref)
        if expression:
            name = "workflow.parameters." + expression.group(1)
            if name not in scope:
                raise BadTemplate("unresolved workflow parameter in {{%s}}" % ref)
            return base64.b64encode(scope[name].encode()).decode()
        if ref.startswith("="):
            raise BadTemplate("unsupported expression {{%s}}" % ref)
        if ref not in scope:
            raise BadTemplate("unresolved reference {{%s}}" % ref)
        return scope[ref]
    return REFERENCE.sub(one, text)


class Executor:
    def __init__(self, template, name, parameters, work, parallel):
        self.templates = {t["name"]: t for t in template["spec"]["templates"]}
        self.spec = template["spec"]
        self.work = work
        self.parallel = parallel
        self.counter = 0
        self.lock = threading.Lock()
        self.scope = {
            "workflow.name": name,
            "workflow.creationTimestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        declared = {p["name"]: p.get("value") for p in self.spec.get("arguments", {}).get("parameters", [])}
        for key, value in parameters.items():
            if key not in declared:
                raise BadTemplate("the workflow has no parameter %r" % key)
            declared[key] = value
        for key, value in declared.items():
            if value is None:
                raise BadTemplate("workflow parameter %r has no value" % key)
            self.scope["workflow.parameters." + key] = value

    def run(self):
        self.execute(self.spec["entrypoint"], {})

    def execute(self, name, arguments):
        template = self.templates.get(name)
        if template is None:
            raise BadTemplate("no template named %r" % name)
        inputs = {}
        for p in template.get("inputs", {}).get("parameters", []):
            if p["name"] in arguments:
                inputs[p["name"]] = arguments[p["name"]]
            elif "value" in p:
                inputs[p["name"]] = p["value"]
            else:
                raise BadTemplate("template %s: input %s not given" % (name, p["name"]))
        if "dag" in template:
            return self.run_dag(template, inputs)
        if "steps" in template:
            return self.run_steps(template, inputs)
        if "container" in template:
            return self.run_container(template, inputs)
        raise BadTemplate("template %s is neither a dag nor a container" % name)

    def run_dag(self, template, inputs):
        scope = dict(self.scope)
        scope.update({"inputs.parameters." + k: v for k, v in inputs.items()})
        tasks = {t["name"]: t for t in template["dag"]["tasks"]}
        state = {}  # name -> "Succeeded" | "Failed"
        for t in tasks.values():
            for dep in DEPENDENCY.findall(t.get("depends", "")):
                if dep not in tasks:
                    raise BadTemplate("task %s depends on unknown task %s" % (t["name"], dep))
        while len(state) < len(tasks):
            decided = [(t, self.ready(t, state)) for n, t in tasks.items() if n not in state]
            decided = [(t, r) for t, r in decided if r is not None]
            if not decided:
                blocked = [n for n in tasks if n not in state]
                if any(s == "Failed" for s in state.values()):
                    raise WorkflowFailed("tasks not run after a failure: %s" % ", ".join(blocked))
                raise BadTemplate("tasks that can never start: %s" % ", ".join(blocked))
            for t, can_run in decided:
                if not can_run or ("when" in t and not self.condition(substitute(t["when"], scope))):
                    state[t["name"]] = "Skipped"
                    continue
                try:
                    outputs = self.run_task(t, scope)
                    state[t["name"]] = "Succeeded"
                    for key, value in outputs.items():
                        scope["tasks.%s.outputs.parameters.%s" % (t["name"], key)] = value
                except WorkflowFailed:
                    state[t["name"]] = "Failed"
                    if template["dag"].get("failFast", True):
                        raise
        outputs = {}
        for p in template.get("outputs", {}).get("parameters", []):
            outputs[p["name"]] = substitute(p["valueFrom"]["parameter"], scope)
        return outputs

    def run_steps(self, template, inputs):
        scope = dict(self.scope)
        scope.update({"inputs.parameters." + k: v for k, v in inputs.items()})
        for group in template["steps"]:
            for step in group:
                if "when" in step and not self.condition(substitute(step["when"], scope)):
                    continue
                arguments = {p["name"]: substitute(p["value"], scope) for p in step.get("arguments", {}).get("parameters", [])}
                outputs = self.execute(step["template"], arguments)
                for key, value in outputs.items():
                    scope["steps.%s.outputs.parameters.%s" % (step["name"], key)] = value
        return {}

    @staticmethod
    def condition(text):
        m = re.fullmatch(r"\s*(.*?)\s*(==|!=)\s*(.*?)\s*", text)
        if not m:
            raise BadTemplate("unsupported when expression %r" % text)
        return (m.group(1) == m.group(3)) == (m.group(2) == "==")

    @staticmethod
    def ready(task, state):
        """True: can run; False: can never run (skip it); None: not yet decided."""
        expression = task.get("depends")
        if not expression:
            return True
        names = DEPENDENCY.findall(expression)
        if any(n not in state for n in names):
            return None
        text = DEPENDENCY.sub(lambda m: "True" if state[m.group(1)] == "Succeeded" else "False", expression)
        text = text.replace("&&", " and ").replace("||", " or ")
        if not re.fullmatch(r"[\sTrueFalsandor()]*", text):
            raise BadTemplate("unsupported depends expression %r" % expression)
        return eval(text)  # only True/False/and/or/parentheses remain

    def run_task(self, task, scope):
        def arguments(extra):
            local = dict(scope)
            local.update(extra)
            return {p["name"]: substitute(p["value"], local) for p in task.get("arguments", {}).get("parameters", [])}
        if "withParam" in task:
            items = json.loads(substitute(task["withParam"], scope))
            if not isinstance(items, list):
                raise BadTemplate("withParam of %s is not a JSON list" % task["name"])
            with concurrent.futures.ThreadPoolExecutor(self.parallel) as pool:
                futures = [pool.submit(self.execute, task["template"],
                                       arguments({"item": json.dumps(i) if not isinstance(i, str) else i}))
                           for i in items]
                errors = [f.exception() for f in futures if f.exception()]
            if errors:
                raise errors[0]
            return {}
        return self.execute(task["template"], arguments({}))

    def run_container(self, template, inputs):
        retry = template.get("retryStrategy", {})
        limit = int(retry.get("limit", 0))
        deadline = template.get("activeDeadlineSeconds")
        container = template["container"]
        for attempt in range(limit + 1):
            with self.lock:
                self.counter += 1
                pod = "%s-%s-%d" % (self.scope["workflow.name"], template["name"], self.counter)
            scope = dict(self.scope)
            scope.update({"inputs.parameters." + k: v for k, v in inputs.items()})
            scope["retries"] = str(attempt)
            scope["pod.name"] = pod
            pod_dir = os.path.join(self.work, pod)
            mounts = {}
            for volume in template.get("volumes", []):
                if "emptyDir" not in volume:
                    raise BadTemplate("volume %s: only emptyDir volumes are supported" % volume["name"])
                os.makedirs(os.path.join(pod_dir, "volumes", volume["name"]))
            for mount in container.get("volumeMounts", []):
                mounts[mount["mountPath"]] = os.path.join(pod_dir, "volumes", mount["name"])

            def local_path(text):
                for path, directory in mounts.items():
                    text = text.replace(path, directory)
                return text
            argv = [substitute(a, scope) for a in container.get("command", []) + container.get("args", [])]
            argv = [local_path(a) for a in argv]
            env = dict(os.environ)
            for e in container.get("env", []):
                env[e["name"]] = substitute(e.get("value", ""), scope)
            log_path = os.path.join(pod_dir, "log")
            with open(log_path, "wb") as log:
                try:
                    code = subprocess.run(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=pod_dir,
                                          timeout=int(deadline) if deadline else None).returncode
                except subprocess.TimeoutExpired:
                    code = "deadline exceeded"
                except FileNotFoundError as e:
                    raise BadTemplate("cannot run %s: %s" % (argv[0], e))
            if code == 0:
                outputs = {}
                for p in template.get("outputs", {}).get("parameters", []):
                    path = local_path(substitute(p["valueFrom"]["path"], scope))
                    if not os.path.exists(path):
                        raise WorkflowFailed("%s: output %s was not written (%s)" % (pod, p["name"], path))
                    with open(path) as f:
                        outputs[p["name"]] = f.read().strip()
                return outputs
            with open(log_path, "rb") as f:
                tail = f.read()[-2000:].decode(errors="replace")
            sys.stderr.write("argo_executor: %s failed (%s), attempt %d of %d:\n%s\n" %
                             (pod, code, attempt + 1, limit + 1, tail))
        raise WorkflowFailed("%s failed after %d attempts" % (template["name"], limit + 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--workflow-name", required=True)
    parser.add_argument("-p", dest="parameters", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--work", help="where pods' directories go (default: a temporary directory, removed)")
    parser.add_argument("--parallel", type=int, default=2, help="withParam elements run at once")
    args = parser.parse_args()
    with open(args.file) as f:
        documents = [d for d in yaml.safe_load_all(f) if d]
    templates = [d for d in documents if d.get("kind") == "WorkflowTemplate"]
    if len(templates) != 1:
        print("argo_executor: %s holds %d WorkflowTemplates, not 1" % (args.file, len(templates)), file=sys.stderr)
        return 2
    parameters = {}
    for p in args.parameters:
        if "=" not in p:
            print("argo_executor: -p %s is not NAME=VALUE" % p, file=sys.stderr)
            return 2
        key, value = p.split("=", 1)
        parameters[key] = value
    work = args.work or tempfile.mkdtemp(prefix="argo-executor-")
    try:
        Executor(templates[0], args.workflow_name, parameters, work, args.parallel).run()
    except BadTemplate as e:
        print("argo_executor: bad template: %s" % e, file=sys.stderr)
        return 2
    except WorkflowFailed as e:
        print("argo_executor: workflow failed: %s" % e, file=sys.stderr)
        return 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("argo-" + args.workflow_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
