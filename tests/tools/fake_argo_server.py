#!/usr/bin/python3
"""A small stand-in for the Argo Server's REST API, for testing `argo-workflows create` (deploying),
`trigger`, `list-runs`, `terminate` and `delete` end to end.

It answers, in the Argo Server's shapes:
  POST   /api/v1/workflow-templates/{ns}            {"template": ...}      409 if it exists
  GET|PUT|DELETE /api/v1/workflow-templates/{ns}/{name}                    PUT needs the current
                                                                           metadata.resourceVersion
  the same for /api/v1/cron-workflows ({"cronWorkflow": ...})
  POST   /api/v1/workflows/{ns}/submit               {"resourceKind": "WorkflowTemplate", "resourceName",
                                                      "submitOptions": {"generateName", "parameters": ["k=v"]}}
  GET    /api/v1/workflows/{ns}[?listOptions.labelSelector=k=v]   and   /api/v1/workflows/{ns}/{name}
  PUT    /api/v1/workflows/{ns}/{name}/terminate
A submitted run is executed by tests/tools/argo_executor.py (the template run locally, its
containers as processes); its phase follows the executor: Running, then Succeeded or Failed.
Terminate stops the executor and everything it started. With --token, requests need
"Authorization: Bearer <token>". It also plays an Argo Events webhook: POST /events records the
event, GET /fake/events lists what arrived.
Usage: fake_argo_server.py --dir DIR [--token T]   Prints "listening on http://127.0.0.1:PORT".
"""
import argparse
import datetime
import http.server
import json
import os
import random
import re
import signal
import string
import subprocess
import sys
import threading
from urllib.parse import unquote

HERE = os.path.dirname(os.path.abspath(__file__))
LOCK = threading.Lock()
OBJECTS = {"workflow-templates": {}, "cron-workflows": {}}  # kind path -> {(ns, name): object}
FIELDS = {"workflow-templates": "template", "cron-workflows": "cronWorkflow"}
RUNS = {}  # (ns, name) -> {"object": Workflow, "process": Popen}
EVENTS = []  # what the webhook received


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, message):
        self.reply(code, {"code": code, "message": message})

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def authorized(self):
        if not self.server.token or self.headers.get("Authorization") == "Bearer " + self.server.token:
            return True
        self.error(401, "token not valid")
        return False

    def handle_any(self, method):
        path, _, query = self.path.partition("?")
        if path == "/events" and method == "POST":
            with LOCK:
                EVENTS.append(self.body())
            return self.reply(200, {})
        if path == "/fake/events":
            with LOCK:
                return self.reply(200, {"events": EVENTS})
        if not self.authorized():
            return
        params = {k: unquote(v) for k, _, v in (p.partition("=") for p in query.split("&") if p)}
        body = self.body() if method in ("POST", "PUT") else {}
        m = re.fullmatch(r"/api/v1/(workflow-templates|cron-workflows)/([^/]+)(?:/([^/]+))?", path)
        if m:
            return self.objects(method, m.group(1), m.group(2), m.group(3), body)
        m = re.fullmatch(r"/api/v1/workflows/([^/]+)/submit", path)
        if m and method == "POST":
            return self.submit(m.group(1), body)
        m = re.fullmatch(r"/api/v1/workflows/([^/]+)(?:/([^/]+))?(/terminate)?", path)
        if m:
            return self.workflows(method, m.group(1), m.group(2), bool(m.group(3)), params)
        self.error(404, "no route " + path)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def objects(self, method, kind, ns, name, body):
        store = OBJECTS[kind]
        with LOCK:
            if method == "POST" and name is None:
                obj = body.get(FIELDS[kind])
                if not isinstance(obj, dict) or "metadata" not in obj:
                    return self.error(400, "the body has no %s" % FIELDS[kind])
                key = (ns, obj["metadata"]["name"])
                if key in store:
                    return self.error(409, "%s \"%s\" already exists" % (kind, key[1]))
                obj["metadata"]["resourceVersion"] = "1"
                store[key] = obj
                return self.reply(200, obj)
            key = (ns, name)
            if key not in store:
                return self.error(404, "%s \"%s\" not found" % (kind, name))
            if method == "GET":
                return self.reply(200, store[key])
            if method == "DELETE":
                del store[key]
                return self.reply(200, {})
            if method == "PUT":
                obj = body.get(FIELDS[kind])
                current = store[key]["metadata"]["resourceVersion"]
                if obj.get("metadata", {}).get("resourceVersion") != current:
                    return self.error(409, "the object has been modified; resourceVersion %s is current" % current)
                obj["metadata"]["resourceVersion"] = str(int(current) + 1)
                store[key] = obj
                return self.reply(200, obj)
        self.error(405, "method not allowed")

    def submit(self, ns, body):
        if body.get("resourceKind") != "WorkflowTemplate":
            return self.error(400, "only WorkflowTemplate submissions are supported here")
        template_name = body.get("resourceName", "")
        with LOCK:
            template = OBJECTS["workflow-templates"].get((ns, template_name))
        if template is None:
            return self.error(404, "workflowtemplates \"%s\" not found" % template_name)
        options = body.get("submitOptions", {})
        name = options.get("generateName", template_name + "-") + "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
        path = os.path.join(self.server.directory, name + ".json")
        with open(path, "w") as f:
            json.dump(template, f)
        argv = [sys.executable, os.path.join(HERE, "argo_executor.py"), path, "--workflow-name", name]
        for p in options.get("parameters", []):
            argv += ["-p", p]
        log = open(os.path.join(self.server.directory, name + ".log"), "wb")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        workflow = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                    "metadata": {"name": name, "namespace": ns,
                                 "labels": {"workflows.argoproj.io/workflow-template": template_name}},
                    "spec": {"workflowTemplateRef": {"name": template_name}},
                    "status": {"phase": "Running", "startedAt": now()}}
        with LOCK:
            RUNS[(ns, name)] = {"object": workflow, "process": process, "terminated": False}
        threading.Thread(target=self.watch, args=((ns, name), log), daemon=True).start()
        self.reply(200, workflow)

    @staticmethod
    def watch(key, log):
        with LOCK:
            run = RUNS[key]
        code = run["process"].wait()
        log.close()
        with LOCK:
            status = run["object"]["status"]
            status["phase"] = "Succeeded" if code == 0 else "Failed"
            if run["terminated"]:
                status["message"] = "Stopped with strategy 'Terminate'"
            status["finishedAt"] = now()

    def workflows(self, method, ns, name, terminate, params):
        with LOCK:
            if name is None and method == "GET":
                selector = params.get("listOptions.labelSelector", "")
                k, _, v = selector.partition("=")
                items = [r["object"] for (n, _), r in RUNS.items()
                         if n == ns and (not k or r["object"]["metadata"]["labels"].get(k) == v)]
                return self.reply(200, {"items": items})
            run = RUNS.get((ns, name))
            if run is None:
                return self.error(404, "workflows \"%s\" not found" % name)
            if method == "GET" and not terminate:
                return self.reply(200, run["object"])
            if method == "PUT" and terminate:
                run["terminated"] = True
                try:
                    os.killpg(run["process"].pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                return self.reply(200, run["object"])
        self.error(405, "method not allowed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--token", default="")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.token = args.token
    server.directory = args.dir

    def stop(*_):
        with LOCK:
            for run in RUNS.values():
                try:
                    os.killpg(run["process"].pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
