#!/usr/bin/python3
"""Runs a compiled AWS Step Functions state machine on this machine, as Step Functions and AWS
Batch would run it, so that tests can check that what `step-functions create` writes works.

What it does as the services do:
  - states: Task, Parallel, Map (inline or distributed; items from ItemsPath or an ItemReader
    reading a JSON list from S3), Choice (StringEquals, Default), Pass, Succeed, Fail; Next/End;
    InputPath, Parameters,
    ItemSelector, ResultSelector, ResultPath (null keeps the input), OutputPath.
  - JSONPath ($.a.b, $['a'], $[0], $$.Execution.Name, $$.Map.Item.Value) and the intrinsics
    States.Format and States.StringToJson.
  - Task `arn:aws:states:::batch:submitJob.sync`: the job definition's container command runs as a
    local process with the definition's environment plus ContainerOverrides.Environment,
    AWS_BATCH_JOB_ID (one id for all attempts) and AWS_BATCH_JOB_ATTEMPT (from 1), retried up to
    retryStrategy.attempts, stopped after timeout.attemptDurationSeconds; its result is the job
    description's JobId, Status and Parameters.
  - `arn:aws:states:::s3:getObject` (ItemReader) and the SDK task
    `arn:aws:states:::aws-sdk:s3:getObject` ({"Body": text}) through boto3 at METAFLOW_S3_ENDPOINT_URL.
What it does not do: IAM, Batch queues and scheduling, images, Retry/Catch of state errors
(a failed job fails the execution), Wait/Choice states, state size limits.

Usage: sfn_executor.py DIR --execution-name NAME [--input JSON] [--parallel N]
DIR holds state-machine.json and job-definitions/*.json. Prints the run id (sfn-NAME) on success;
exit 1 if the execution failed, 2 on bad input.
"""
import argparse
import concurrent.futures
import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid


class ExecutionFailed(Exception):
    pass


class BadMachine(Exception):
    pass


PATH_TOKEN = re.compile(r"\.([A-Za-z0-9_\-]+)|\['([^']*)'\]|\[(\d+)\]")


def read_path(path, data, context):
    if path.startswith("$$"):
        value, rest = context, path[2:]
    elif path.startswith("$"):
        value, rest = data, path[1:]
    else:
        raise BadMachine("not a path: %r" % path)
    position = 0
    while position < len(rest):
        m = PATH_TOKEN.match(rest, position)
        if not m:
            raise BadMachine("unsupported path %r" % path)
        key = m.group(1) if m.group(1) is not None else m.group(2)
        try:
            value = value[int(m.group(3))] if m.group(3) is not None else value[key]
        except (KeyError, IndexError, TypeError):
            raise ExecutionFailed("States.Runtime: the path %r does not exist in the input" % path)
        position = m.end()
    return value


def split_arguments(text):
    parts, depth, quoted, current = [], 0, False, ""
    for c in text:
        if c == "'" and not current.endswith("\\"):
            quoted = not quoted
        if not quoted and c == "(":
            depth += 1
        if not quoted and c == ")":
            depth -= 1
        if c == "," and depth == 0 and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += c
    if current.strip():
        parts.append(current.strip())
    return parts


def evaluate(expression, data, context):
    expression = expression.strip()
    m = re.fullmatch(r"(States\.[A-Za-z]+)\((.*)\)", expression, re.S)
    if not m:
        return read_path(expression, data, context)
    function, arguments = m.group(1), split_arguments(m.group(2))
    values = []
    for a in arguments:
        if a.startswith("'"):
            values.append(a[1:-1].replace("\\'", "'"))
        elif a.startswith("$") or a.startswith("States."):
            values.append(evaluate(a, data, context))
        else:
            values.append(json.loads(a))
    if function == "States.Format":
        template, rest = values[0], values[1:]
        pieces = template.split("{}")
        if len(pieces) != len(rest) + 1:
            raise BadMachine("States.Format: %d arguments for %d {}" % (len(rest), len(pieces) - 1))
        out = pieces[0]
        for value, piece in zip(rest, pieces[1:]):
            out += (value if isinstance(value, str) else json.dumps(value)) + piece
        return out
    if function == "States.StringToJson":
        return json.loads(values[0])
    raise BadMachine("unsupported intrinsic %s" % function)


def template(payload, data, context):
    if isinstance(payload, dict):
        out = {}
        for key, value in payload.items():
            if key.endswith(".$"):
                out[key[:-2]] = evaluate(value, data, context)
            else:
                out[key] = template(value, data, context)
        return out
    if isinstance(payload, list):
        return [template(v, data, context) for v in payload]
    return payload


def set_path(data, path, value):
    if path == "$":
        return value
    data = copy.deepcopy(data)
    keys = [m.group(1) or m.group(2) for m in PATH_TOKEN.finditer(path[1:])]
    target = data
    for k in keys[:-1]:
        target = target.setdefault(k, {})
    target[keys[-1]] = value
    return data


class Executor:
    def __init__(self, directory, name, parallel, work):
        with open(os.path.join(directory, "state-machine.json")) as f:
            self.machine = json.load(f)
        self.definitions = {}
        for path in glob.glob(os.path.join(directory, "job-definitions", "*.json")):
            with open(path) as f:
                d = json.load(f)
            self.definitions[d["jobDefinitionName"]] = d
        self.name = name
        self.parallel = parallel
        self.work = work
        self.jobs = 0

    def run(self, execution_input):
        return self.run_machine(self.machine, execution_input, {"Execution": {"Name": self.name}})

    def run_machine(self, machine, data, context):
        state_name = machine["StartAt"]
        while True:
            state = machine["States"].get(state_name)
            if state is None:
                raise BadMachine("no state named %r" % state_name)
            if state["Type"] == "Choice":
                state_name = self.choose(state_name, state, data, context)
                continue
            data = self.run_state(state_name, state, data, context)
            if state.get("End") or state["Type"] in ("Succeed", "Fail"):
                return data
            state_name = state["Next"]

    @staticmethod
    def choose(name, state, data, context):
        for rule in state["Choices"]:
            if "StringEquals" not in rule or "Variable" not in rule:
                raise BadMachine("state %s: only Variable/StringEquals choice rules are supported" % name)
            if read_path(rule["Variable"], data, context) == rule["StringEquals"]:
                return rule["Next"]
        if "Default" not in state:
            raise ExecutionFailed("States.NoChoiceMatched in state %s" % name)
        return state["Default"]

    def run_state(self, name, state, data, context):
        kind = state["Type"]
        effective = read_path(state["InputPath"], data, context) if "InputPath" in state else data
        if kind == "Fail":
            raise ExecutionFailed("state %s: %s" % (name, state.get("Error", "Failed")))
        if kind == "Succeed":
            return effective
        if "Parameters" in state and kind != "Map":
            effective = template(state["Parameters"], effective, context)
        if kind == "Pass":
            result = state.get("Result", effective)
        elif kind == "Task":
            result = self.task(name, state, effective)
        elif kind == "Parallel":
            with concurrent.futures.ThreadPoolExecutor(len(state["Branches"])) as pool:
                futures = [pool.submit(self.run_machine, b, effective, context) for b in state["Branches"]]
                result = [f.result() for f in futures]
        elif kind == "Map":
            result = self.map(state, effective, context)
        else:
            raise BadMachine("state %s: type %s is not supported" % (name, kind))
        if "ResultSelector" in state:
            result = template(state["ResultSelector"], result, context)
        if "ResultPath" in state and state["ResultPath"] is None:
            output = data
        else:
            output = set_path(data, state.get("ResultPath", "$"), result)
        return read_path(state["OutputPath"], output, context) if "OutputPath" in state else output

    def map(self, state, data, context):
        if "ItemReader" in state:
            reader = state["ItemReader"]
            if reader["Resource"] != "arn:aws:states:::s3:getObject":
                raise BadMachine("ItemReader %s is not supported" % reader["Resource"])
            where = template(reader["Parameters"], data, context)
            items = json.loads(self.s3_get(where["Bucket"], where["Key"]))
        else:
            items = read_path(state.get("ItemsPath", "$"), data, context)
        processor = state.get("ItemProcessor") or state.get("Iterator")

        def one(index, item):
            item_context = dict(context)
            item_context["Map"] = {"Item": {"Index": index, "Value": item}}
            selected = template(state["ItemSelector"], data, item_context) if "ItemSelector" in state else item
            return self.run_machine(processor, selected, item_context)
        workers = min(self.parallel, state.get("MaxConcurrency") or self.parallel)
        with concurrent.futures.ThreadPoolExecutor(max(1, workers)) as pool:
            futures = [pool.submit(one, i, item) for i, item in enumerate(items)]
            return [f.result() for f in futures]

    def s3_get(self, bucket, key):
        import boto3
        client = boto3.client("s3", endpoint_url=os.environ.get("METAFLOW_S3_ENDPOINT_URL"))
        try:
            return client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as e:  # noqa: BLE001: the service reports any failure as the state's error
            raise ExecutionFailed("S3.GetObject s3://%s/%s: %s" % (bucket, key, e))

    def task(self, name, state, parameters):
        if state["Resource"] == "arn:aws:states:::aws-sdk:s3:getObject":
            return {"Body": self.s3_get(parameters["Bucket"], parameters["Key"]).decode()}
        if state["Resource"] != "arn:aws:states:::batch:submitJob.sync":
            raise BadMachine("state %s: resource %s is not supported" % (name, state["Resource"]))
        definition = self.definitions.get(parameters["JobDefinition"])
        if definition is None:
            raise BadMachine("state %s: no job definition %s" % (name, parameters["JobDefinition"]))
        container = definition["containerProperties"]
        env = dict(os.environ)
        for e in container.get("environment", []):
            env[e["name"]] = e["value"]
        for e in parameters.get("ContainerOverrides", {}).get("Environment", []):
            if not isinstance(e.get("Value"), str):
                raise ExecutionFailed("state %s: environment %s is not a string" % (name, e["Name"]))
            env[e["Name"]] = e["Value"]
        job_parameters = parameters.get("Parameters", {})
        for k, v in job_parameters.items():
            if not isinstance(v, str):
                raise ExecutionFailed("state %s: job parameter %s is not a string" % (name, k))
        job_id = str(uuid.uuid4())
        env["AWS_BATCH_JOB_ID"] = job_id
        attempts = definition.get("retryStrategy", {}).get("attempts", 1)
        timeout = definition.get("timeout", {}).get("attemptDurationSeconds")
        for attempt in range(1, attempts + 1):
            env["AWS_BATCH_JOB_ATTEMPT"] = str(attempt)
            log = os.path.join(self.work, "%s-%s-%d.log" % (name, job_id, attempt))
            with open(log, "wb") as out:
                try:
                    code = subprocess.run(container["command"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                          cwd=self.work, timeout=timeout).returncode
                except subprocess.TimeoutExpired:
                    code = "timed out"
            if code == 0:
                return {"JobId": job_id, "JobName": parameters.get("JobName"), "Status": "SUCCEEDED",
                        "Parameters": job_parameters}
            with open(log, "rb") as f:
                tail = f.read()[-2000:].decode(errors="replace")
            sys.stderr.write("sfn_executor: job %s (%s) attempt %d of %d failed (%s):\n%s\n" %
                             (job_id, name, attempt, attempts, code, tail))
        raise ExecutionFailed("States.TaskFailed: job %s of state %s failed" % (job_id, name))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--execution-name", required=True)
    parser.add_argument("--input", default='{"Parameters": "{}"}')
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="sfn-executor-")
    try:
        Executor(args.directory, args.execution_name, args.parallel, work).run(json.loads(args.input))
    except BadMachine as e:
        print("sfn_executor: bad state machine: %s" % e, file=sys.stderr)
        return 2
    except ExecutionFailed as e:
        print("sfn_executor: execution failed: %s" % e, file=sys.stderr)
        return 1
    print("sfn-" + args.execution_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
