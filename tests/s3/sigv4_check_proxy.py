#!/usr/bin/python3
"""A strict AWS Signature Version 4 checker in front of an S3 protocol server, for Conflux's tests.

s3rver, the S3 server the tests run, accepts any signature, so a signing bug in Conflux would pass
against it and fail on AWS or MinIO. This proxy recomputes every request's signature from what it
received (canonical URI re-encoded from the decoded path, sorted and re-encoded query, the signed
headers, the x-amz-content-sha256 payload hash checked against the body) and answers 403
SignatureDoesNotMatch, with the canonical request it expected, when the client's differs.
Requests that pass are forwarded to the upstream server.

Virtual-hosted requests (Host: <bucket>.localhost:<port>) are verified as sent and forwarded
path-style, so the tests exercise both addressing styles against a path-style-only server.

Fault injection for the retry tests: when --fault-file names an existing JSON file such as
{"mode": "drop", "every": 3}, every third request (counted from when the file appeared) fails
(with "limit": N, at most N requests do):
  "500"      answered 500 InternalError without forwarding
  "503"      answered 503 SlowDown without forwarding
  "429"      answered 429 SlowDown (throttling) without forwarding
  "drop"     the connection is closed without an answer, before forwarding
  "lost"     forwarded (the request takes effect), then the connection is closed without an answer
  "truncate" forwarded, then the answer is cut off halfway through its body
  "stall"    forwarded, then half the body is sent and the connection stalls ("seconds", default 3)
             before it is closed
  "expired"  answered 400 ExpiredToken without forwarding (credentials that expired mid-run)
  "error200" a CompleteMultipartUpload (POST ?uploadId) or CopyObject is answered 200 with an
             <Error> body without forwarding, as S3 may (other requests are forwarded as usual)
As S3 does, a PUT with "If-None-Match: *" on an existing key is answered 412 PreconditionFailed.
Injected faults are counted in <fault-file>.count.

With --request-log FILE, every request received is appended to FILE as "METHOD PATH" (the
benchmarks count requests per task with it; truncate the file to start counting).

Standard library only; run with /usr/bin/python3. Listens on loopback only.
"""

import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "expect"}
AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
                     r"SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$")


def uri_encode(text, keep_slash):
    safe = "-_.~" + ("/" if keep_slash else "")
    return urllib.parse.quote(text, safe=safe)


def canonical_query(raw):
    pairs = []
    for part in raw.split("&") if raw else []:
        name, _, value = part.partition("=")
        pairs.append((uri_encode(urllib.parse.unquote(name), False),
                      uri_encode(urllib.parse.unquote(value), False)))
    pairs.sort()
    return "&".join(f"{n}={v}" for n, v in pairs)


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


class Config:
    secrets = {}
    upstream = None
    fault_file = None
    stall_seconds = 3.0
    lock = threading.Lock()
    seen_since_fault_file = 0
    fault_file_stamp = None
    request_log = None


def log_request(method, path, headers):
    if Config.request_log is None:
        return
    # The server-side encryption asked for, when any (s3rver ignores it; tests read it here).
    sse = headers.get("x-amz-server-side-encryption")
    kms = headers.get("x-amz-server-side-encryption-aws-kms-key-id")
    extra = (f" sse={sse}" if sse else "") + (f" kms={kms}" if kms else "")
    with Config.lock, open(Config.request_log, "a") as f:
        f.write(f"{method} {path}{extra}\n")


def next_fault(completes_or_copies):
    """The fault to inject into this request, or None. "error200" only counts requests it applies
    to (completing a multipart upload, copying); "limit" caps the number of faults injected."""
    path = Config.fault_file
    if not path or not os.path.exists(path):
        Config.fault_file_stamp = None
        return None
    try:
        stamp = os.stat(path).st_mtime_ns
        with open(path) as f:
            spec = json.load(f)
    except (OSError, ValueError):
        return None
    if spec.get("mode") == "error200" and not completes_or_copies:
        return None
    with Config.lock:
        if stamp != Config.fault_file_stamp:
            Config.fault_file_stamp = stamp
            Config.seen_since_fault_file = 0
        Config.seen_since_fault_file += 1
        every = max(1, int(spec.get("every", 2)))
        if Config.seen_since_fault_file % every != 0:
            return None
        count_path = path + ".count"
        try:
            with open(count_path) as f:
                count = int(f.read() or 0)
        except (OSError, ValueError):
            count = 0
        if "limit" in spec and count >= int(spec["limit"]):
            return None
        with open(count_path, "w") as f:
            f.write(str(count + 1))
    Config.stall_seconds = float(spec.get("seconds", 3))
    return spec.get("mode")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, content_type="application/xml", extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def error(self, status, code, message):
        self.answer(status, f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                            f"<Message>{message}</Message></Error>")

    def verify(self, body):
        """None if the signature is right, else the reason."""
        auth = self.headers.get("Authorization", "")
        m = AUTH_RE.match(auth)
        if not m:
            return "missing or malformed AWS4-HMAC-SHA256 Authorization header"
        key_id, date, region, service, signed, signature = m.groups()
        if key_id not in Config.secrets:
            return f"unknown access key {key_id}"
        signed_names = signed.split(";")
        for required in ("host", "x-amz-date", "x-amz-content-sha256"):
            if required not in signed_names:
                return f"header {required} is not signed"
        if signed_names != sorted(signed_names):
            return "SignedHeaders is not sorted"
        payload_hash = self.headers.get("x-amz-content-sha256", "")
        if payload_hash != "UNSIGNED-PAYLOAD" and payload_hash != hashlib.sha256(body).hexdigest():
            return "x-amz-content-sha256 does not match the body"
        amz_date = self.headers.get("x-amz-date", "")
        if not amz_date.startswith(date):
            return "x-amz-date and the credential scope disagree"
        raw_path, _, raw_query = self.path.partition("?")
        canonical_headers = ""
        for name in signed_names:
            values = self.headers.get_all(name)
            if values is None:
                return f"signed header {name} was not sent"
            value = ",".join(" ".join(v.split()) for v in values)
            canonical_headers += f"{name}:{value}\n"
        canonical_request = "\n".join([
            self.command,
            uri_encode(urllib.parse.unquote(raw_path), True),
            canonical_query(raw_query),
            canonical_headers,
            signed,
            payload_hash,
        ])
        scope = f"{date}/{region}/{service}/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical_request.encode()).hexdigest()])
        key = ("AWS4" + Config.secrets[key_id]).encode()
        for part in (date, region, service, "aws4_request"):
            key = hmac_sha256(key, part)
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "signature mismatch; expected canonical request:\n" + canonical_request
        return None

    def handle_any(self):
        log_request(self.command, self.path, self.headers)
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else b""
        reason = self.verify(body)
        if reason is not None:
            sys.stderr.write(f"403 {self.command} {self.path}: {reason}\n")
            sys.stderr.flush()
            return self.error(403, "SignatureDoesNotMatch", reason.replace("&", "&amp;")
                              .replace("<", "&lt;"))
        completing = self.command == "POST" and "uploadId=" in self.path
        copying = self.command == "PUT" and bool(self.headers.get("x-amz-copy-source"))
        fault = next_fault(completing or copying)
        if fault == "500":
            return self.error(500, "InternalError", "injected fault")
        if fault == "503":
            return self.error(503, "SlowDown", "injected fault")
        if fault == "429":
            return self.error(429, "SlowDown", "injected fault")
        if fault == "expired":
            return self.error(400, "ExpiredToken", "The provided token has expired.")
        if fault == "error200":
            return self.error(200, "InternalError", "injected fault after 200")
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        path = self.path
        host = self.headers.get("Host", "").split(":")[0]
        if host.endswith(".localhost"):  # virtual-hosted: forward path-style
            path = "/" + host[: -len(".localhost")] + (path if path != "/" else "")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Host"] = Config.upstream
        if self.command == "PUT" and self.headers.get("If-None-Match") == "*" and self.exists_upstream(path, headers):
            return self.error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
        conn = http.client.HTTPConnection(Config.upstream, timeout=60)
        try:
            conn.request(self.command, path, body=body if body or self.command in ("PUT", "POST") else None,
                         headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        if fault == "lost":
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        self.send_response(resp.status)
        for name, value in resp.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        if self.command == "HEAD":
            self.send_header("Content-Length", resp.getheader("Content-Length", "0"))
            self.end_headers()
            return None
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if fault == "stall" and len(data) > 1:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(Config.stall_seconds)
            self.close_connection = True
            return None
        if fault == "truncate" and len(data) > 1:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        self.wfile.write(data)
        return None

    def exists_upstream(self, path, headers):
        """Whether the object at `path` (path-style) exists upstream."""
        conn = http.client.HTTPConnection(Config.upstream, timeout=60)
        try:
            head = {k: v for k, v in headers.items() if k.lower() in ("host", "authorization", "x-amz-date",
                                                                       "x-amz-content-sha256")}
            conn.request("HEAD", path.split("?")[0], headers=head)
            return conn.getresponse().status == 200
        finally:
            conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", required=True, help="port to listen on, on 127.0.0.1")
    p.add_argument("--upstream", required=True, help="host:port of the S3 server")
    p.add_argument("--cred", action="append", default=[], help="ACCESS_KEY:SECRET (repeatable)")
    p.add_argument("--fault-file", help="JSON fault specification, read per request")
    p.add_argument("--request-log", help="append every request's method and path to this file")
    args = p.parse_args()
    for cred in args.cred:
        key, _, secret = cred.partition(":")
        Config.secrets[key] = secret
    Config.upstream = args.upstream
    Config.fault_file = args.fault_file
    Config.request_log = args.request_log
    server = Server(("127.0.0.1", int(args.listen)), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
