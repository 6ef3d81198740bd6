#!/usr/bin/python3
"""Checks Argo objects (YAML or JSON files, several documents each) the way the cluster would:

1. Against the official JSON schema (tests/data/argo/schema.json), chosen by `kind`, with every
   object closed (additionalProperties: false), so a misspelled field is an error: the upstream
   schema leaves objects open. Maps (labels, annotations, resources) stay open, and so do the two
   Argo Events types that hold arbitrary JSON (K8SResource, Amount).
2. Against the rules of `argo lint` that the schema cannot express (workflow/validate in
   argo-workflows): names of templates, tasks and parameters; unique names; every referenced
   template and the entrypoint exist; every `depends` target exists and the DAG has no cycle;
   exactly one kind per template; images set; activeDeadlineSeconds only on leaf templates; every
   {{inputs.parameters.x}} and {{tasks.t.outputs.parameters.p}} resolves; name lengths.

Usage: validate_argo.py FILE...   Exit 0: all valid; 1: an error (one line each); 2: bad input.
"""
import copy
import json
import os
import re
import sys

import jsonschema
import yaml

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "argo", "schema.json")
EVENTS = "github.com.argoproj.argo_events.pkg.apis.events.v1alpha1."
KINDS = {
    "Workflow": "io.argoproj.workflow.v1alpha1.Workflow",
    "WorkflowTemplate": "io.argoproj.workflow.v1alpha1.WorkflowTemplate",
    "CronWorkflow": "io.argoproj.workflow.v1alpha1.CronWorkflow",
    "Sensor": EVENTS + "Sensor",
}
OPEN = {EVENTS + "K8SResource", EVENTS + "Amount"}
TEMPLATE_NAME = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")
PARAMETER_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")
OBJECT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
TEMPLATE_KINDS = ("container", "dag", "steps", "script", "resource", "suspend", "http", "data", "containerSet", "plugin")
REFERENCE = re.compile(r"\{\{([^{}]*)\}\}")
DEPENDS_TARGET = re.compile(r"([-A-Za-z0-9]+)(\.[A-Za-z]+)?")


def strict_schema():
    with open(SCHEMA) as f:
        schema = json.load(f)
    defs = schema["definitions"]
    for name, d in defs.items():
        if name not in OPEN and isinstance(d, dict) and "properties" in d and "additionalProperties" not in d:
            d["additionalProperties"] = False
    sensor = defs[EVENTS + "Sensor"]["properties"]  # the events API has no TypeMeta
    sensor.setdefault("apiVersion", {"type": "string"})
    sensor.setdefault("kind", {"type": "string"})
    return schema


def schema_errors(schema, document):
    kind = document.get("kind")
    if kind not in KINDS:
        return ["unknown kind %r" % kind]
    wrapper = {"$ref": "#/definitions/" + KINDS[kind], "definitions": schema["definitions"]}
    validator = jsonschema.Draft7Validator(wrapper)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def lint_template_spec(spec, where):
    errors = []
    templates = spec.get("templates", [])
    names = [t.get("name", "") for t in templates]
    by_name = {t.get("name"): t for t in templates}
    for n in names:
        if not TEMPLATE_NAME.match(n) or len(n) > 128:
            errors.append("%s: template name %r is not valid" % (where, n))
    if len(set(names)) != len(names):
        errors.append("%s: template names are not unique" % where)
    if spec.get("entrypoint") not in by_name:
        errors.append("%s: entrypoint %r is not a template" % (where, spec.get("entrypoint")))
    workflow_params = {p["name"] for p in spec.get("arguments", {}).get("parameters", [])}
    for p in workflow_params:
        if not PARAMETER_NAME.match(p):
            errors.append("%s: workflow parameter name %r is not valid" % (where, p))
    for t in templates:
        here = "%s: template %s" % (where, t.get("name"))
        kinds = [k for k in TEMPLATE_KINDS if k in t]
        if len(kinds) != 1:
            errors.append("%s has %d kinds (%s), not 1" % (here, len(kinds), ", ".join(kinds)))
            continue
        inputs = {p["name"] for p in t.get("inputs", {}).get("parameters", [])}
        for p in t.get("inputs", {}).get("parameters", []) + t.get("outputs", {}).get("parameters", []):
            if not PARAMETER_NAME.match(p["name"]):
                errors.append("%s: parameter name %r is not valid" % (here, p["name"]))
            if "value" in p and "valueFrom" in p:
                errors.append("%s: parameter %s has both value and valueFrom" % (here, p["name"]))
        if "activeDeadlineSeconds" in t and kinds[0] not in ("container", "script"):
            errors.append("%s: activeDeadlineSeconds is only allowed on container and script templates" % here)
        if kinds[0] == "container":
            if not t["container"].get("image"):
                errors.append("%s: the container has no image" % here)
            errors += references(json.dumps(t), inputs, set(), {}, workflow_params, here, in_dag=False)
        if kinds[0] == "dag":
            errors += lint_dag(t, inputs, by_name, workflow_params, here)
        if kinds[0] == "steps":
            errors += lint_steps(t, inputs, by_name, workflow_params, here)
    return errors


def lint_dag(template, inputs, by_name, workflow_params, here):
    errors = []
    tasks = template["dag"].get("tasks", [])
    task_names = [t["name"] for t in tasks]
    if len(set(task_names)) != len(task_names):
        errors.append("%s: task names are not unique" % here)
    outputs = {}
    graph = {}
    for t in tasks:
        if not TEMPLATE_NAME.match(t["name"]) or t["name"][0].isdigit():
            errors.append("%s: task name %r is not valid" % (here, t["name"]))
        target = by_name.get(t.get("template"))
        if target is None:
            errors.append("%s: task %s uses unknown template %r" % (here, t["name"], t.get("template")))
            continue
        outputs[t["name"]] = {p["name"] for p in target.get("outputs", {}).get("parameters", [])}
        if "dependencies" in t and "depends" in t:
            errors.append("%s: task %s mixes depends and dependencies" % (here, t["name"]))
        deps = [m.group(1) for m in DEPENDS_TARGET.finditer(t.get("depends", "")) if m.group(1) not in ("", )]
        graph[t["name"]] = deps
        for d in deps:
            if d not in task_names:
                errors.append("%s: task %s depends on unknown task %s" % (here, t["name"], d))
        wanted = {p["name"] for p in target.get("inputs", {}).get("parameters", []) if "value" not in p}
        given = {p["name"] for p in t.get("arguments", {}).get("parameters", [])}
        for missing in sorted(wanted - given):
            errors.append("%s: task %s does not give input %s of template %s" % (here, t["name"], missing, target["name"]))
    for t in tasks:
        errors += references(json.dumps(t), inputs, set(graph.get(t["name"], [])) | ancestors(graph, t["name"]),
                             outputs, workflow_params, "%s: task %s" % (here, t["name"]), in_dag=True)
    for p in template.get("outputs", {}).get("parameters", []):
        errors += references(json.dumps(p), inputs, set(task_names), outputs, workflow_params, here, in_dag=True)
    # Cycles: a depth-first walk.
    state = {}

    def visit(n):
        if state.get(n) == 1:
            return True
        if state.get(n) == 2:
            return False
        state[n] = 1
        cyclic = any(visit(d) for d in graph.get(n, []) if d in graph)
        state[n] = 2
        return cyclic
    if any(visit(n) for n in graph):
        errors.append("%s: the DAG has a cycle" % here)
    return errors


def lint_steps(template, inputs, by_name, workflow_params, here):
    errors = []
    earlier = {}  # steps of earlier groups -> their template's outputs
    for group in template["steps"]:
        for step in group:
            if not TEMPLATE_NAME.match(step["name"]):
                errors.append("%s: step name %r is not valid" % (here, step["name"]))
            target = by_name.get(step.get("template"))
            if target is None:
                errors.append("%s: step %s uses unknown template %r" % (here, step["name"], step.get("template")))
                continue
            wanted = {p["name"] for p in target.get("inputs", {}).get("parameters", []) if "value" not in p}
            given = {p["name"] for p in step.get("arguments", {}).get("parameters", [])}
            for missing in sorted(wanted - given):
                errors.append("%s: step %s does not give input %s" % (here, step["name"], missing))
            errors += step_references(json.dumps(step), inputs, earlier, workflow_params, "%s: step %s" % (here, step["name"]))
        for step in group:
            target = by_name.get(step.get("template"), {})
            earlier[step["name"]] = {p["name"] for p in target.get("outputs", {}).get("parameters", [])}
    return errors


def step_references(text, inputs, earlier, workflow_params, here):
    errors = []
    for ref in REFERENCE.findall(text):
        parts = ref.strip().split(".")
        if parts[0] == "steps":
            if len(parts) != 5 or parts[1] not in earlier or parts[4] not in earlier[parts[1]]:
                errors.append("%s: {{%s}} is not an output of an earlier step" % (here, ref))
        else:
            errors += references("{{%s}}" % ref, inputs, set(), {}, workflow_params, here, in_dag=False)
    return errors


def ancestors(graph, name, seen=None):
    seen = set() if seen is None else seen
    for d in graph.get(name, []):
        if d not in seen:
            seen.add(d)
            ancestors(graph, d, seen)
    return seen


def references(text, inputs, visible_tasks, outputs, workflow_params, here, in_dag):
    errors = []
    for ref in REFERENCE.findall(text):
        ref = ref.strip()
        if ref.startswith("="):
            names = re.findall(r"workflow\.parameters\['([^']+)'\]", ref)
            errors += ["%s: unknown workflow parameter %s in {{%s}}" % (here, n, ref) for n in names if n not in workflow_params]
            continue
        parts = ref.split(".")
        if ref in ("workflow.name", "workflow.creationTimestamp", "workflow.namespace", "workflow.uid", "pod.name",
                   "retries", "item") or ref.startswith("item."):
            continue
        if parts[:2] == ["inputs", "parameters"]:
            if parts[2] not in inputs:
                errors.append("%s: {{%s}} is not an input of the template" % (here, ref))
        elif parts[:2] == ["workflow", "parameters"]:
            if parts[2] not in workflow_params:
                errors.append("%s: {{%s}} is not a workflow parameter" % (here, ref))
        elif parts[0] == "tasks" and in_dag:
            if len(parts) != 5 or parts[2:4] != ["outputs", "parameters"]:
                errors.append("%s: {{%s}} is not a task output reference" % (here, ref))
            elif parts[1] not in visible_tasks:
                errors.append("%s: {{%s}} refers to task %s, which it does not depend on" % (here, ref, parts[1]))
            elif parts[4] not in outputs.get(parts[1], set()):
                errors.append("%s: {{%s}}: task %s has no output %s" % (here, ref, parts[1], parts[4]))
        else:
            errors.append("%s: unknown reference {{%s}}" % (here, ref))
    return errors


def lint(document):
    kind = document.get("kind")
    name = document.get("metadata", {}).get("name", "")
    where = "%s/%s" % (kind, name)
    errors = []
    limit = {"CronWorkflow": 52}.get(kind, 63)
    if not OBJECT_NAME.match(name) or len(name) > limit:
        errors.append("%s: name %r is not valid (at most %d characters)" % (where, name, limit))
    if kind == "WorkflowTemplate":
        errors += lint_template_spec(document["spec"], where)
    if kind == "CronWorkflow":
        for cron in document["spec"].get("schedules", []):
            if len(cron.split()) != 5:
                errors.append("%s: schedule %r does not have five fields" % (where, cron))
    return errors


def main(files):
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    schema = strict_schema()
    failed = False
    for path in files:
        try:
            with open(path) as f:
                documents = [d for d in yaml.safe_load_all(f) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            print("%s: cannot read: %s" % (path, e), file=sys.stderr)
            return 2
        if len(documents) == 1 and documents[0].get("kind") == "List":
            documents = documents[0]["items"]
        for i, document in enumerate(documents):
            errors = schema_errors(copy.deepcopy(schema), document) + lint(document)
            for e in errors:
                print("%s[%d] %s: %s" % (path, i, document.get("kind"), e))
            failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
