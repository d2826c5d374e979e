#!/usr/bin/env python3
"""Writes one pickle per protocol (0-5) of the same object, and
expected.json: a canonical rendering of the object that the Go tests
compare with their rendering of the parsed values. Run from this directory:

    python3 make_pickles.py
"""
import json
import pickle
import struct
from collections import OrderedDict

shared = [1, 2]
obj = {
    "none": None, "true": True, "false": False,
    "ints": [0, 1, 255, 256, 65535, 65536, -1, -256, 2**31 - 1, 2**31, -2**31, -2**31 - 1,
             2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**100, -2**100],
    "floats": [0.0, 1.5, -0.25, 1e100, 1e-300, float("inf"), float("-inf")],
    "strs": ["", "a", "héllo", "日本", "\\u1234 and \\U00012345", "line\nbreak", "x" * 300],
    "bytes": [b"", b"\x00\x01\xff", b"y" * 300],
    "bytearray": bytearray(b"abc"),
    "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
    "nested": {"a": [{"b": (1, [2, {"c": None}])}]},
    "set": {3, 1, 2},
    "frozenset": frozenset({"x", "y"}),
    "shared": [shared, shared],
    "ordered": OrderedDict([("z", 1), ("a", 2)]),
    7: "int key",
    (1, 2): "tuple key",
}


def r(o):
    if o is None:
        return "None"
    if isinstance(o, bool):
        return str(o)
    if isinstance(o, int):
        return str(o)
    if isinstance(o, float):
        return "f" + struct.pack(">d", o).hex()
    if isinstance(o, str):
        return "s" + json.dumps(o)
    if isinstance(o, bytes):
        return "b" + o.hex()
    if isinstance(o, bytearray):
        return "ba" + bytes(o).hex()
    if isinstance(o, tuple):
        return "(" + ",".join(r(x) for x in o) + ")"
    if isinstance(o, list):
        return "[" + ",".join(r(x) for x in o) + "]"
    if isinstance(o, dict):
        return "{" + ",".join(r(k) + ":" + r(v) for k, v in o.items()) + "}"
    if isinstance(o, frozenset):
        return "fset{" + ",".join(sorted(r(x) for x in o)) + "}"
    if isinstance(o, set):
        return "set{" + ",".join(sorted(r(x) for x in o)) + "}"
    raise TypeError(type(o))


for p in range(6):
    with open("p%d.pkl" % p, "wb") as f:
        pickle.dump(obj, f, protocol=p)
rec = []
rec.append(rec)
for p in (0, 2, 4):
    with open("recursive_p%d.pkl" % p, "wb") as f:
        pickle.dump(rec, f, protocol=p)
with open("expected.json", "w") as f:
    json.dump({"render": r(obj)}, f, indent=1)
