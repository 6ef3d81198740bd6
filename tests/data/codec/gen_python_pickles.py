#!/usr/bin/python3
"""Generates python_pickles.json, the reference pickles the codec tests read without Python.

Usage: /usr/bin/python3 gen_python_pickles.py [METAFLOW_TREE_TAR] > python_pickles.json
(Debian 12: Python 3.11, numpy 1.24.) Sections:
  "cases":    values pickled by this Python at several protocols (numpy arrays and scalars,
              OrderedDict, bytearray, shared references, big ints, unicode...), each with its
              repr(), type and tagged JSON (see artifact_values.json's README for the tags).
  "metaflow": every distinct artifact blob of the Metaflow fixture tree, if its tar is given.
  "refused":  pickles of types the reader must refuse, with the qualified type name.
"""
import collections, datetime, decimal, glob, gzip, io, json, os, pickle, sys, tarfile, types
from collections import namedtuple

import numpy as np

# Stand-ins for Metaflow's classes, so that pickles naming them load here.
ForeachFrame = namedtuple("ForeachFrame", ["step", "var", "num_splits", "index", "value"])


class MetaflowExceptionWrapper(Exception):
    def __reduce__(self):
        return MetaflowExceptionWrapper, (None,), self.__dict__

    def __setstate__(self, state):
        self.__dict__ = state

    def __repr__(self):
        st = self.__dict__.get("stacktrace")
        return st if st else "[no stacktrace]\n%s: %s" % (self.type, self.exception)


exc_module = types.ModuleType("metaflow.exception")
exc_module.MetaflowExceptionWrapper = MetaflowExceptionWrapper
MetaflowExceptionWrapper.__module__ = "metaflow.exception"
sys.modules["metaflow"] = types.ModuleType("metaflow")
sys.modules["metaflow.exception"] = exc_module


def tagged(v):
    if isinstance(v, (bool, np.bool_)) or v is None or isinstance(v, str):
        return bool(v) if isinstance(v, np.bool_) else v
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, (int, np.integer)):
        v = int(v)
        return v if abs(v) < 2**53 else {"$int": str(v)}
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return {"$namedtuple": type(v).__name__, "fields": {f: tagged(getattr(v, f)) for f in v._fields}}
    if isinstance(v, tuple):
        return {"$tuple": [tagged(x) for x in v]}
    if isinstance(v, list):
        return [tagged(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return {"$set": [tagged(x) for x in sorted(v)]}
    if isinstance(v, (bytes, bytearray)):
        return {"$bytes_hex": bytes(v).hex()}
    if isinstance(v, dict):
        return {str(k): tagged(x) for k, x in v.items()}
    return {"$repr": repr(v)}


def entry(name, value, protocol):
    raw = pickle.dumps(value, protocol=protocol)
    back = pickle.loads(raw)
    text = repr(back)
    return {"name": name, "protocol": protocol, "pickle_hex": raw.hex(),
            "python_type": str(type(back)), "repr": text if len(text) < 4000 else None,
            "tagged_json": tagged(back)}


def cases():
    shared = [1, 2]
    composite = {"a": [1, 2.5, "x", None, True, False], "b": (1, 2), "c": b"\x00\xff'\"",
                 "d": {1, 2, 3}, "e": frozenset({"q"}), "big": 2**70, "neg": -2**70,
                 "i32": -2**31, "u32": 2**32, "f": -0.0, "u": "h\u00e9\u2713\U0001F600",
                 1: "int key", (1, "t"): "tuple key", "empty": [[], {}, (), set(), "", b""]}
    out = []
    for p in range(6):
        out.append(entry("composite_p%d" % p, composite, p))
        out.append(entry("shared_p%d" % p, [shared, shared, (shared,)], p))
        out.append(entry("bytes_p%d" % p, b"\x00\x01binary", p))
        out.append(entry("ordered_dict_p%d" % p, collections.OrderedDict([("z", 1), ("a", 2)]), p))
        out.append(entry("bytearray_p%d" % p, bytearray(b"ab\x00"), p))
        out.append(entry("np_f8_p%d" % p, np.array([0.5, 0.25, 0.125, 0.0]), p))
        out.append(entry("np_scalar_f8_p%d" % p, np.float64(1.5), p))
    arrays = {
        "np_i8": np.arange(5, dtype="<i8"), "np_i4": np.array([-1, 2, 300000], dtype="<i4"),
        "np_f4_2x2": np.ones((2, 2), dtype="<f4"), "np_u1": np.arange(250, 256, dtype="u1"),
        "np_b1": np.array([True, False, True]), "np_i1": np.array([-128, 0, 127], dtype="i1"),
        "np_u8": np.array([0, 2**64 - 1], dtype="<u8"), "np_i2": np.array([-3, 4], dtype="<i2"),
        "np_u2": np.array([65535], dtype="<u2"), "np_u4": np.array([2**32 - 1], dtype="<u4"),
        "np_f2": np.array([1.5, -2.0], dtype="<f2"),
        "np_be_f8": np.array([1.0, 2.5], dtype=">f8"), "np_be_i4": np.array([1, -2], dtype=">i4"),
        "np_fortran_2x3": np.asfortranarray(np.arange(6, dtype="<i8").reshape(2, 3)),
        "np_3d": np.arange(24, dtype="<f8").reshape(2, 3, 4), "np_0d": np.array(3.5),
        "np_empty": np.array([], dtype="<f8"), "np_empty_2d": np.zeros((0, 3)),
        "np_big_f8": np.linspace(0, 1, 2000), "np_wide_floats": np.array([1e-9, 1.0, 1e9]),
        "np_nan_inf": np.array([np.nan, np.inf, -np.inf, 1.5]),
        "np_long_i8": np.arange(100, dtype="<i8") * 1000,
        "np_scalar_i8": np.int64(-7), "np_scalar_u1": np.uint8(200), "np_scalar_b1": np.bool_(True),
        "np_scalar_f4": np.float32(0.25), "np_in_list": [np.arange(3.0), np.arange(2, dtype="<i4")],
    }
    for name, value in arrays.items():
        out.append(entry(name, value, 4))
    out.append(entry("np_i8_p5", np.arange(4, dtype="<i8"), 5))
    out.append(entry("np_f8_big_p5", np.arange(9000, dtype="<f8"), 5))
    out.append(entry("np_arange3_p2", np.arange(3.0), 2))
    out.append(entry("long_list", list(range(2500)), 4))
    out.append(entry("long_dict", {"k%d" % i: i for i in range(1500)}, 4))
    out.append(entry("long_set", set(range(2100)), 4))
    out.append(entry("nested_tuple_key", {(1, (2, 3)): frozenset({(4,)})}, 4))
    out.append(entry("foreach_stack", [ForeachFrame("process", "items", 3, 0, "apple")], 4))
    w = MetaflowExceptionWrapper()
    w.exception, w.type, w.stacktrace = "boom", "builtins.ValueError", None
    out.append(entry("exception_wrapper_no_trace", w, 4))
    return out


def metaflow_tree(tar_path):
    tar = tarfile.open(tar_path)
    seen, out = set(), []
    for m in sorted(tar.getnames()):
        if not m.endswith(".data.json"):
            continue
        data = json.loads(tar.extractfile(m).read())
        flow = m.split("/")[1]
        for name, sha in sorted(data["objects"].items()):
            if sha in seen:
                continue
            seen.add(sha)
            raw = gzip.decompress(tar.extractfile(".metaflow/%s/data/%s/%s" % (flow, sha[:2], sha)).read())
            value = pickle.loads(raw)
            out.append({"name": "%s:%s" % (m[len(".metaflow/"):], name), "protocol": raw[1],
                        "pickle_hex": raw.hex(), "python_type": data["info"][name]["type"],
                        "repr": repr(value), "tagged_json": tagged(value)})
    return out


class Thing:
    pass


def refused():
    items = [("collections.Counter", collections.Counter("aab")),
             ("datetime.datetime", datetime.datetime(2024, 1, 2)),
             ("decimal.Decimal", decimal.Decimal("1.5")),
             ("__main__.Thing", Thing()),
             ("builtins.complex", 1 + 2j),
             ("numpy.dtype[complex128]", np.array([1 + 2j]))]
    return [{"name": n, "pickle_hex": pickle.dumps(v, protocol=4).hex()} for n, v in items]


def main():
    doc = {"_about": __doc__.strip().splitlines()[0], "python": sys.version.split()[0],
           "numpy": np.__version__, "cases": cases(), "refused": refused()}
    if len(sys.argv) > 1:
        doc["metaflow"] = metaflow_tree(sys.argv[1])
    json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
