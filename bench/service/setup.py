#!/usr/bin/python3
"""Prepares a fresh `conflux service` for the benchmark: a flow, a run with a `work` step and
one task, and a run whose `big` step has 1000 tasks. Prints shell variables for bench/service/run.
Usage: setup.py <base url>"""
import json
import sys
import urllib.request

base = sys.argv[1]


def post(path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


tags = {"user_name": "bench", "tags": [], "system_tags": ["user:bench"]}
post("/flows/BenchFlow", {"flow_id": "BenchFlow"})
run = post("/flows/BenchFlow/run", dict(tags))["run_number"]
post("/flows/BenchFlow/runs/%s/steps/work/step" % run, dict(tags, step_name="work"))
task = post("/flows/BenchFlow/runs/%s/steps/work/task" % run, dict(tags, step_name="work"))["task_id"]
big = post("/flows/BenchFlow/run", dict(tags))["run_number"]
post("/flows/BenchFlow/runs/%s/steps/big/step" % big, dict(tags, step_name="big"))
first = None
for i in range(1000):
    t = post("/flows/BenchFlow/runs/%s/steps/big/task" % big, dict(tags, step_name="big"))["task_id"]
    first = first or t
print("RUN=%s TASK=%s BIG_RUN=%s BIG_FIRST=%s" % (run, task, big, first))
