#!/usr/bin/python3
"""Reads a run's code package the way Metaflow's client does (Task.code -> MetaflowCode, v0
layout): the task's `code-package` metadata row gives the blob's location and sha; the blob is a
tar.gz with INFO and CONFIG at its root. Prints a JSON summary:

    {"tasks_with_code": 7, "sha": "...", "members": [...], "info": {...}, "script_head": "..."}

Usage: check_code_package.py <datastore root (.../.metaflow)> <Flow> <run id>
Exits non-zero (saying why) if any task's row is malformed or the blob does not match its sha.
"""
import glob
import hashlib
import io
import json
import os
import sys
import tarfile


def main(root, flow, run):
    rows = []
    for path in glob.glob(os.path.join(root, flow, run, "*", "*", "_meta", "sysmeta_code-package_*.json")):
        with open(path) as f:
            rows.append(json.loads(json.load(f)["value"]))
    if not rows:
        sys.exit("no task of %s/%s has a code-package metadata row" % (flow, run))
    shas = {r["sha"] for r in rows}
    if len(shas) != 1:
        sys.exit("the run's tasks name different code packages: %s" % sorted(shas))
    row = rows[0]
    for key in ("ds_type", "sha", "location", "metadata"):
        if key not in row:
            sys.exit("code-package row lacks %r: %s" % (key, row))
    if json.loads(row["metadata"]).get("version") != 0:
        sys.exit("unexpected package metadata %s" % row["metadata"])
    with open(row["location"], "rb") as f:
        blob = f.read()
    if hashlib.sha1(blob).hexdigest() != row["sha"]:
        sys.exit("the blob at %s does not have sha %s" % (row["location"], row["sha"]))
    tar = tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz")
    names = sorted(tar.getnames())
    info = json.load(tar.extractfile("INFO"))
    json.load(tar.extractfile("CONFIG"))
    script = tar.extractfile(info["script"]).read().decode()  # what Run.code.flowspec shows
    print(json.dumps({"tasks_with_code": len(rows), "sha": row["sha"], "members": names, "info": info,
                      "script_head": script[:200]}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
