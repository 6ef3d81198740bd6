#!/usr/bin/python3
"""A small stand-in for the Kubernetes API server, for testing the Kubernetes launcher end to end.

It answers the calls the launcher makes, in the API's own shapes:
  POST   /apis/batch/v1/namespaces/{ns}/jobs               create a Job (409 if the name is taken)
  GET    /apis/batch/v1/namespaces/{ns}/jobs?labelSelector  list Jobs (k=v selectors, comma-separated)
  GET    /apis/batch/v1/namespaces/{ns}/jobs/{name}         one Job
  DELETE /apis/batch/v1/namespaces/{ns}/jobs/{name}         delete it; its pod gets SIGTERM, then SIGKILL
                                                            after terminationGracePeriodSeconds
  GET    /api/v1/namespaces/{ns}/pods?labelSelector         list pods (labelled job-name=<job>)
and runs each Job's pod as a local process: the container's command and args, with this server's
environment (standing in for the image's and the node's, credentials included) plus the
container's `env`. The pod's status follows the process: Running, then terminated with its exit
code (reason Completed or Error); the Job's status counts succeeded/failed. The pod's
activeDeadlineSeconds kills it (reason DeadlineExceeded). Test hooks:
  POST /fake/oom/{ns}/{name}   kill the pod as the kernel's OOM killer would (OOMKilled, 137)
  GET  /fake/state             every Job ever created, whether deleted, and which pods still run
What it does not do: scheduling, images, resource limits, RBAC, admission, watches.

Usage: fake_kube_apiserver.py --dir DIR [--token T]. Prints "listening on http://127.0.0.1:PORT";
writes every created Job to DIR/jobs.jsonl and each pod's output to DIR/pods/<job>.log.
"""
import argparse
import datetime
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

LOCK = threading.Lock()
JOBS = {}     # (ns, name) -> record
HISTORY = []  # every job created: {"namespace", "name", "deleted"}


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def selector_matches(labels, selector):
    for term in filter(None, (selector or "").split(",")):
        key, _, value = term.partition("=")
        if labels.get(key) != value:
            return False
    return True


class Pod:
    def __init__(self, job, directory, env):
        spec = job["spec"]["template"]["spec"]
        container = spec["containers"][0]
        self.job_name = job["metadata"]["name"]
        self.name = "%s-%s" % (self.job_name, uuid.uuid4().hex[:5])
        self.labels = dict(job["spec"]["template"].get("metadata", {}).get("labels", {}))
        self.labels["job-name"] = self.job_name
        self.created = now()
        self.grace = spec.get("terminationGracePeriodSeconds", 30)
        self.deadline = spec.get("activeDeadlineSeconds")
        self.state = {"running": {"startedAt": now()}}
        self.phase = "Running"
        self.reason = ""
        self.forced_reason = None
        self.ended = threading.Event()
        env = dict(env)
        for e in container.get("env", []):
            env[e["name"]] = e.get("value", "")
        argv = list(container.get("command", [])) + list(container.get("args", []))
        os.makedirs(os.path.join(directory, "pods"), exist_ok=True)
        self.log = open(os.path.join(directory, "pods", self.job_name + ".log"), "ab")
        try:
            self.process = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        except OSError as e:
            # As the container runtime reports a command it cannot start.
            self.process = None
            self.phase = "Failed"
            self.state = {"terminated": {"exitCode": 127, "reason": "ContainerCannotRun", "message": str(e),
                                         "finishedAt": now()}}
            self.log.close()
            self.ended.set()
            return
        threading.Thread(target=self.watch, daemon=True).start()

    def watch(self):
        try:
            code = self.process.wait(timeout=self.deadline)
        except subprocess.TimeoutExpired:
            self.forced_reason = self.forced_reason or ("DeadlineExceeded", None)
            self.kill(signal.SIGKILL)
            code = self.process.wait()
        with LOCK:
            reason = "Completed" if code == 0 else "Error"
            exit_code = code if code >= 0 else 128 - code
            if self.forced_reason:
                reason, forced_code = self.forced_reason
                exit_code = forced_code if forced_code is not None else exit_code
            if reason == "DeadlineExceeded":
                self.phase, self.reason = "Failed", "DeadlineExceeded"
                self.state = {"terminated": {"exitCode": exit_code, "reason": "Error", "finishedAt": now()}}
            else:
                self.phase = "Succeeded" if exit_code == 0 else "Failed"
                self.state = {"terminated": {"exitCode": exit_code, "reason": reason, "finishedAt": now()}}
        self.log.close()
        self.ended.set()

    def kill(self, sig):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def terminate(self):
        self.kill(signal.SIGTERM)
        if not self.ended.wait(self.grace):
            self.kill(signal.SIGKILL)

    def to_json(self, ns):
        status = {"phase": self.phase, "containerStatuses": [{"name": "main", "state": self.state}]}
        if self.reason:
            status["reason"] = self.reason
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": self.name, "namespace": ns, "labels": self.labels,
                             "creationTimestamp": self.created},
                "status": status}


def job_json(record):
    job = json.loads(json.dumps(record["object"]))
    pod = record["pod"]
    status = {"startTime": record["created"]}
    if pod.ended.is_set():
        if pod.phase == "Succeeded":
            status["succeeded"] = 1
            status["conditions"] = [{"type": "Complete", "status": "True"}]
        else:
            status["failed"] = 1
            status["conditions"] = [{"type": "Failed", "status": "True",
                                     "reason": "DeadlineExceeded" if pod.reason == "DeadlineExceeded" else "BackoffLimitExceeded"}]
    else:
        status["active"] = 1
    job["status"] = status
    return job


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

    def status(self, code, reason, message):
        self.reply(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason,
                          "message": message, "code": code})

    def authorized(self):
        if not self.server.token:
            return True
        if self.headers.get("Authorization") == "Bearer " + self.server.token:
            return True
        self.status(401, "Unauthorized", "Unauthorized")
        return False

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def route(self):
        path, _, query = self.path.partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        from urllib.parse import unquote
        params = {k: unquote(v) for k, v in params.items()}
        return path, params

    def do_GET(self):
        if not self.authorized():
            return
        path, params = self.route()
        if path == "/fake/state":
            with LOCK:
                running = [name for (ns, name), r in JOBS.items() if not r["pod"].ended.is_set()]
                running += [h["name"] for h in HISTORY if h["deleted"] and not h["pod"].ended.is_set()]
                self.reply(200, {"jobs": [{"namespace": h["namespace"], "name": h["name"], "deleted": h["deleted"]}
                                          for h in HISTORY], "running_pods": sorted(set(running))})
            return
        m = re.fullmatch(r"/apis/batch/v1/namespaces/([^/]+)/jobs(?:/([^/]+))?", path)
        if m:
            ns, name = m.groups()
            with LOCK:
                if name:
                    record = JOBS.get((ns, name))
                    if record is None:
                        return self.status(404, "NotFound", 'jobs.batch "%s" not found' % name)
                    return self.reply(200, job_json(record))
                items = [job_json(r) for (n, _), r in JOBS.items()
                         if n == ns and selector_matches(r["object"]["metadata"].get("labels", {}), params.get("labelSelector"))]
            return self.reply(200, {"kind": "JobList", "apiVersion": "batch/v1", "items": items})
        m = re.fullmatch(r"/api/v1/namespaces/([^/]+)/pods", path)
        if m:
            ns = m.group(1)
            with LOCK:
                items = [r["pod"].to_json(ns) for (n, _), r in JOBS.items()
                         if n == ns and selector_matches(r["pod"].labels, params.get("labelSelector"))]
            return self.reply(200, {"kind": "PodList", "apiVersion": "v1", "items": items})
        self.status(404, "NotFound", "no route " + path)

    def do_POST(self):
        if not self.authorized():
            return
        path, _ = self.route()
        m = re.fullmatch(r"/fake/oom/([^/]+)/([^/]+)", path)
        if m:
            with LOCK:
                record = JOBS.get(m.groups())
            if record is None:
                return self.status(404, "NotFound", "no such job")
            record["pod"].forced_reason = ("OOMKilled", 137)
            record["pod"].kill(signal.SIGKILL)
            return self.reply(200, {})
        m = re.fullmatch(r"/apis/batch/v1/namespaces/([^/]+)/jobs", path)
        if not m:
            return self.status(404, "NotFound", "no route " + path)
        ns = m.group(1)
        try:
            job = json.loads(self.body())
        except ValueError:
            return self.status(400, "BadRequest", "the body is not JSON")
        problems = []
        if job.get("apiVersion") != "batch/v1" or job.get("kind") != "Job":
            problems.append("apiVersion/kind must be batch/v1 Job")
        name = job.get("metadata", {}).get("name", "")
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) or len(name) > 63:
            problems.append("metadata.name %r is not a DNS-1123 label" % name)
        spec = job.get("spec", {}).get("template", {}).get("spec", {})
        containers = spec.get("containers", [])
        if spec.get("restartPolicy") not in ("Never", "OnFailure"):
            problems.append("spec.template.spec.restartPolicy must be Never or OnFailure")
        if len(containers) != 1 or not containers[0].get("image") or not containers[0].get("command"):
            problems.append("one container with an image and a command is required")
        if problems:
            return self.status(422, "Invalid", "Job.batch %r is invalid: %s" % (name, "; ".join(problems)))
        with LOCK:
            if (ns, name) in JOBS:
                return self.status(409, "AlreadyExists", 'jobs.batch "%s" already exists' % name)
            job["metadata"]["namespace"] = ns
            job["metadata"]["uid"] = str(uuid.uuid4())
            job["metadata"]["creationTimestamp"] = now()
            with open(os.path.join(self.server.directory, "jobs.jsonl"), "a") as f:
                f.write(json.dumps(job) + "\n")
            pod = Pod(job, self.server.directory, os.environ)
            record = {"object": job, "pod": pod, "created": now()}
            JOBS[(ns, name)] = record
            HISTORY.append({"namespace": ns, "name": name, "deleted": False, "pod": pod})
        self.reply(201, job)

    def do_DELETE(self):
        if not self.authorized():
            return
        path, _ = self.route()
        self.body()
        m = re.fullmatch(r"/apis/batch/v1/namespaces/([^/]+)/jobs/([^/]+)", path)
        if not m:
            return self.status(404, "NotFound", "no route " + path)
        with LOCK:
            record = JOBS.pop(m.groups(), None)
            for h in HISTORY:
                if (h["namespace"], h["name"]) == m.groups():
                    h["deleted"] = True
        if record is None:
            return self.status(404, "NotFound", 'jobs.batch "%s" not found' % m.group(2))
        threading.Thread(target=record["pod"].terminate, daemon=True).start()
        self.reply(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})


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
            pods = [r["pod"] for r in JOBS.values()]
        for p in pods:
            p.kill(signal.SIGKILL)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
