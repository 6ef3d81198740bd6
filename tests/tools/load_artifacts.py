#!/usr/bin/python3
"""Loads every artifact of every committed task attempt in a Conflux/Metaflow datastore with
Python's own pickle, as Metaflow's client would, and prints a JSON summary:

    {"Flow/run/step/task": {"<artifact>": {"type": "<class 'int'>", "repr": "42", "json": 42}}}

Usage: load_artifacts.py <datastore root (.../.metaflow)>
Exits non-zero (naming the blob) if any blob fails to load.
"""
import collections
import gzip
import json
import os
import pickle
import sys
import types

# Metaflow pickles these two classes; stand-ins let plain Python load them without Metaflow.
ForeachFrame = collections.namedtuple("ForeachFrame", ["step", "var", "num_splits", "index", "value"])
sys.modules["__main__"].ForeachFrame = ForeachFrame


class MetaflowExceptionWrapper(Exception):
    def __init__(self, exc=None):
        super().__init__()

    def __setstate__(self, state):
        self.__dict__.update(state)


MetaflowExceptionWrapper.__module__ = "metaflow.exception"
exception_module = types.ModuleType("metaflow.exception")
exception_module.MetaflowExceptionWrapper = MetaflowExceptionWrapper
sys.modules.setdefault("metaflow", types.ModuleType("metaflow"))
sys.modules["metaflow.exception"] = exception_module


def load_blob(flow_dir, sha):
    path = os.path.join(flow_dir, "data", sha[:2], sha)
    with open(path + "_meta") as f:
        meta = json.load(f)
    with open(path, "rb") as f:
        raw = f.read()
    data = raw if meta.get("cas_raw") else gzip.decompress(raw)
    return pickle.loads(data)


def to_json(value):
    try:
        import numpy
        if isinstance(value, numpy.ndarray):
            return {"ndarray": str(value.dtype), "shape": list(value.shape), "head": value[:5].tolist()}
    except ImportError:
        pass
    if isinstance(value, (set, frozenset)):
        return sorted(to_json(v) for v in value)
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    if isinstance(value, bytes):
        return {"bytes_hex": value.hex()}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def main(root):
    out = {}
    failures = 0
    for flow in sorted(os.listdir(root)):
        flow_dir = os.path.join(root, flow)
        if not os.path.isdir(flow_dir) or flow.startswith("_") or flow in ("data", "mf.cards"):
            continue
        for run in sorted(os.listdir(flow_dir)):
            run_dir = os.path.join(flow_dir, run)
            if run in ("data", "_meta") or not os.path.isdir(run_dir):
                continue
            for step in sorted(os.listdir(run_dir)):
                step_dir = os.path.join(run_dir, step)
                if step == "_meta" or not os.path.isdir(step_dir):
                    continue
                for task in sorted(os.listdir(step_dir)):
                    task_dir = os.path.join(step_dir, task)
                    if task == "_meta":
                        continue
                    done = sorted(int(f.split(".")[0]) for f in os.listdir(task_dir) if f.endswith(".DONE.lock"))
                    if not done:
                        continue
                    with open(os.path.join(task_dir, "%d.data.json" % done[-1])) as f:
                        index = json.load(f)
                    entry = out.setdefault("/".join([flow, run, step, task]), {})
                    for name, sha in index["objects"].items():
                        try:
                            value = load_blob(flow_dir, sha)
                        except Exception as e:  # report every broken blob, then fail
                            failures += 1
                            print("cannot load %s/%s/%s/%s %s: %r" % (flow, run, step, task, name, e), file=sys.stderr)
                            continue
                        entry[name] = {"type": str(type(value)), "repr": repr(value)[:200],
                                       "json": to_json(value),
                                       "recorded_type": index["info"].get(name, {}).get("type")}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
