"""The reference reader the speed table compares with: a sharded
safetensors checkpoint counted with the standard library alone. For each
shard, read the 8-byte length, read the JSON header, json.loads it and
sum the shape products. No validation at all.

    python3 count_safetensors.py DIR
"""
import json
import math
import os
import struct
import sys


def count(directory):
    tensors = params = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".safetensors"):
            continue
        with open(os.path.join(directory, name), "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
        header.pop("__metadata__", None)
        tensors += len(header)
        params += sum(math.prod(t["shape"]) for t in header.values())
    return tensors, params


if __name__ == "__main__":
    print(*count(sys.argv[1]))
