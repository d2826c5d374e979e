#!/usr/bin/env python3
"""The statistics of `tensorcount scan`, computed with NumPy over numpy.memmap.

For every F32, F16 and BF16 tensor of a safetensors file: counts of NaN, +Inf,
-Inf and zeros, and min, max, mean and population standard deviation of the
finite values, in float64. BF16 is widened the usual way: uint16 -> uint32
<< 16, viewed as float32.

Tensors are processed in slices of --chunk elements, merged with Chan's
pairwise formula, so that memory stays bounded (a whole-tensor x - mean in
float64 would need 4x the tensor's size) -- the way a careful NumPy user would
write it. NumPy runs these reductions on one core.

Prints the total seconds and GB/s (10^9 bytes of tensor data per second).
With --check FILE, compares against `tensorcount scan --json` output.
"""

import argparse
import json
import math
import struct
import sys
import time

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16}


def chunk_stats(x):
    """Statistics of one slice: (finite, nan, pinf, ninf, zeros, min, max, mean, m2)."""
    if x.dtype == np.uint16:  # BF16
        x = (x.astype(np.uint32) << 16).view(np.float32)
    finite_mask = np.isfinite(x)
    nfinite = int(np.count_nonzero(finite_mask))
    nan = pinf = ninf = 0
    if nfinite != x.size:  # the common case needs no further pass
        nan = int(np.count_nonzero(np.isnan(x)))
        pinf = int(np.count_nonzero(np.isposinf(x)))
        ninf = int(np.count_nonzero(np.isneginf(x)))
    zeros = int(np.count_nonzero(x == 0))
    if nfinite == 0:
        return (0, nan, pinf, ninf, zeros, math.inf, -math.inf, 0.0, 0.0)
    f = x if nfinite == x.size else x[finite_mask]
    mean = float(f.mean(dtype=np.float64))
    d = f.astype(np.float64) - mean
    m2 = float(np.dot(d, d))
    return (nfinite, nan, pinf, ninf, zeros, float(f.min()), float(f.max()), mean, m2)


def merge(a, b):
    """Chan, Golub and LeVeque's pairwise update."""
    na, nan_a, pa, ma, za, lo_a, hi_a, mean_a, m2_a = a
    nb, nan_b, pb, mb, zb, lo_b, hi_b, mean_b, m2_b = b
    n = na + nb
    if n == 0:
        mean, m2 = 0.0, 0.0
    else:
        delta = mean_b - mean_a
        mean = mean_a + delta * nb / n
        m2 = m2_a + m2_b + delta * delta * na * nb / n
    return (n, nan_a + nan_b, pa + pb, ma + mb, za + zb, min(lo_a, lo_b), max(hi_a, hi_b), mean, m2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", help="a .safetensors file")
    ap.add_argument("--chunk", type=int, default=1 << 22, help="elements per slice (default 4M, NumPy's fastest here)")
    ap.add_argument("--check", metavar="JSON", help="tensorcount scan --json output to compare with")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each tensor's statistics")
    args = ap.parse_args()

    with open(args.file, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(n))
    header.pop("__metadata__", None)
    mm = np.memmap(args.file, dtype=np.uint8, mode="r")
    base = 8 + n

    start = time.perf_counter()
    results, total = {}, 0
    for name, info in header.items():
        dt = DTYPES.get(info["dtype"])
        if dt is None:
            continue
        lo, hi = info["data_offsets"]
        x = mm[base + lo : base + hi].view(dt)
        acc = (0, 0, 0, 0, 0, math.inf, -math.inf, 0.0, 0.0)
        for i in range(0, x.size, args.chunk):
            acc = merge(acc, chunk_stats(x[i : i + args.chunk]))
        results[name] = acc
        total += hi - lo
    seconds = time.perf_counter() - start

    if args.verbose:
        for name, (nf, nan, pinf, ninf, zeros, mn, mx, mean, m2) in results.items():
            std = math.sqrt(m2 / nf) if nf else float("nan")
            print(f"{name}\tnan={nan} +inf={pinf} -inf={ninf} zeros={zeros} min={mn:.6g} max={mx:.6g} mean={mean:.9g} std={std:.9g}")
    print(f"numpy {np.__version__}: {len(results)} tensors, {total} bytes in {seconds:.3f} s = {total / seconds / 1e9:.3f} GB/s")

    if args.check:
        with open(args.check) as fh:
            ours = {t["name"]: t for t in json.load(fh)["tensors"]}
        bad = 0
        for name, (nf, nan, pinf, ninf, zeros, mn, mx, mean, m2) in results.items():
            t = ours[name]
            std = math.sqrt(m2 / nf) if nf else None
            same = (t["nan"], t["pos_inf"], t["neg_inf"], t["zeros"]) == (nan, pinf, ninf, zeros)
            if nf:
                same = same and t["min"] == mn and t["max"] == mx
                same = same and math.isclose(t["mean"], mean, rel_tol=1e-9, abs_tol=1e-12 * (std or 1))
                same = same and math.isclose(t["std"], std, rel_tol=1e-9)
            if not same:
                bad += 1
                print(f"differs: {name}: tensorcount {t} numpy {results[name]}", file=sys.stderr)
        print(f"check: {len(results) - bad} of {len(results)} tensors agree with {args.check}")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
