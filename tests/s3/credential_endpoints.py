#!/usr/bin/python3
"""Local stand-ins of the endpoints of the AWS credential chain, for tests, on 127.0.0.1:
  POST /                                             STS AssumeRoleWithWebIdentity (form body)
  GET  /container/credentials                        the ECS/EKS container credentials endpoint
  PUT  /latest/api/token                             IMDSv2 session token
  GET  /latest/meta-data/iam/security-credentials/   the instance's role (token required)
  GET  /latest/meta-data/iam/security-credentials/R  its credentials (token required)
  GET  /counts                                       {"sts": n, "container": n, "imds": n} fetches
Every source hands out --access-key/--secret-key with a session token naming the source and an
Expiration --lifetime seconds ahead. The web identity token must equal the content of
--token-file; the container endpoint wants the Authorization header --container-token.

Usage: credential_endpoints.py --port-file F --access-key K --secret-key S --token-file T
                               [--container-token C] [--lifetime SECONDS]
"""
import argparse
import datetime
import http.server
import json
import threading
import urllib.parse

ROLE = "conflux-test-role"
IMDS_TOKEN = "imds-session-token"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--container-token", default="container-secret")
    p.add_argument("--lifetime", type=int, default=3600)
    args = p.parse_args()
    counts = {"sts": 0, "container": 0, "imds": 0}
    lock = threading.Lock()

    def expiration():
        t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=args.lifetime)
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    def credentials_json(source):
        with lock:
            counts[source] += 1
            n = counts[source]
        return json.dumps({"Code": "Success", "AccessKeyId": args.access_key, "SecretAccessKey": args.secret_key,
                           "Token": f"{source}-token-{n}", "Expiration": expiration()})

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def reply(self, status, body, content_type="application/json"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0) or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            with open(args.token_file) as f:
                expected = f.read().strip()
            if form.get("Action") != ["AssumeRoleWithWebIdentity"] or not form.get("RoleArn"):
                return self.reply(400, "<ErrorResponse><Error><Message>bad request</Message></Error></ErrorResponse>",
                                  "text/xml")
            if form.get("WebIdentityToken") != [expected]:
                return self.reply(403, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code>"
                                       "<Message>the token is not valid</Message></Error></ErrorResponse>", "text/xml")
            with lock:
                counts["sts"] += 1
                n = counts["sts"]
            self.reply(200, "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
                            f"<AccessKeyId>{args.access_key}</AccessKeyId>"
                            f"<SecretAccessKey>{args.secret_key}</SecretAccessKey>"
                            f"<SessionToken>sts-token-{n}</SessionToken>"
                            f"<Expiration>{expiration()}</Expiration>"
                            "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
                       "text/xml")

        def do_PUT(self):
            if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "")
            self.reply(200, IMDS_TOKEN, "text/plain")

        def do_GET(self):
            if self.path == "/counts":
                with lock:
                    return self.reply(200, json.dumps(counts))
            if self.path == "/container/credentials":
                if self.headers.get("Authorization") != args.container_token:
                    return self.reply(401, '{"message": "bad authorization token"}')
                return self.reply(200, credentials_json("container"))
            if self.path.startswith("/latest/meta-data/iam/security-credentials/"):
                if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                    return self.reply(401, "")  # IMDSv2 only
                role = self.path.rsplit("/", 1)[1]
                if role == "":
                    return self.reply(200, ROLE, "text/plain")
                if role != ROLE:
                    return self.reply(404, "")
                return self.reply(200, credentials_json("imds"))
            self.reply(404, "")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
