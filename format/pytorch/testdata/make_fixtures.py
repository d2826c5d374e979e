#!/usr/bin/env python3
"""Writes the PyTorch checkpoint fixtures of format/pytorch and expected.json.

Run from this directory with a python3 that has torch (written with the
Debian python3-torch 1.13 package):

    /usr/bin/python3 make_fixtures.py

The tests never need torch: they compare the Go reader against
expected.json, which records torch's own view of every tensor (name, shape,
dtype, numel, storage offset, stride, Parameter or not, storage sharing).
Malicious pickles are written with Python's pickle and are only parsed by
the tests, never loaded.
"""
import io
import json
import os
import pickle
import sys
import types
import zipfile

import torch
import torch.nn as nn

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)
expected = {"torch": torch.__version__}

DTYPE_NAMES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.float64: "F64", torch.int64: "I64", torch.int32: "I32",
    torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
    torch.complex64: "C64", torch.complex128: "C128",
    torch.qint8: "QI8", torch.quint8: "QU8", torch.qint32: "QI32",
}


def describe(named):
    """torch's view of (name, tensor) pairs, in order."""
    out, ptrs = [], {}
    for name, t in named:
        st = t.storage()
        ptr = (st.data_ptr(), str(t.dtype))
        group = ptrs.setdefault(ptr, len(out))
        out.append({
            "name": name,
            "shape": list(t.shape),
            "dtype": DTYPE_NAMES[t.dtype],
            "numel": t.numel(),
            "storage_offset": t.storage_offset(),
            "stride": list(t.stride()),
            "parameter": isinstance(t, nn.Parameter),
            "storage_group": group,
            "storage_numel": st.size(),
        })
    return out


def save_both(obj, stem, named):
    torch.save(obj, stem + ".pt")
    torch.save(obj, stem + "_legacy.pt", _use_new_zipfile_serialization=False)
    d = describe(named)
    expected[stem + ".pt"] = {"kind": "zip", "tensors": d}
    expected[stem + "_legacy.pt"] = {"kind": "legacy", "tensors": d}


# 1. every dtype of torch 1.13, zip and legacy
dt = {}
for dtype in [torch.float32, torch.float16, torch.bfloat16, torch.float64]:
    dt["t_" + DTYPE_NAMES[dtype].lower()] = torch.randn(2, 3).to(dtype)
for dtype in [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8]:
    dt["t_" + DTYPE_NAMES[dtype].lower()] = torch.arange(6, dtype=dtype).reshape(3, 2)
dt["t_bool"] = torch.tensor([True, False, True])
dt["t_c64"] = torch.randn(2, dtype=torch.complex64)
dt["t_c128"] = torch.randn(2, dtype=torch.complex128)
dt["t_scalar"] = torch.tensor(3.5)
dt["t_empty"] = torch.zeros(0, 4)
dt["t_qi8"] = torch.quantize_per_tensor(torch.randn(4), 0.1, 0, torch.qint8)
dt["t_qu8"] = torch.quantize_per_tensor(torch.randn(4), 0.1, 3, torch.quint8)
dt["t_qi32"] = torch.quantize_per_tensor(torch.randn(4), 0.1, 0, torch.qint32)
save_both(dt, "dtypes", list(dt.items()))

# 2. views: tied weights, a slice, a transpose, Parameter and plain tensors
base = torch.randn(4, 6)
emb = nn.Parameter(torch.randn(5, 3))
views = {
    "embed.weight": emb,
    "head.weight": emb,              # tied: same object, memo reference
    "base": base,
    "slice": base[1:3],              # offset 6, stride (6, 1)
    "transpose": base.t(),           # stride (1, 6)
    "every_other": base[:, ::2],     # stride (6, 2)
    "plain": torch.ones(7),
}
save_both(views, "views", list(views.items()))


# 3. a whole pickled nn.Module (class from __main__, BatchNorm buffers)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 2, bias=False)

    def forward(self, x):
        return self.fc2(self.bn(self.fc1(x)))


net = Net()
torch.save(net, "module.pt")
expected["module.pt"] = {"kind": "zip", "tensors": describe(net.state_dict(keep_vars=True).items())}

# 4. Lightning-style checkpoint with real Adam state after one step
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
model(torch.randn(5, 3)).sum().backward()
opt.step()
sd = model.state_dict()
ckpt = {
    "epoch": 1, "global_step": 1, "pytorch-lightning_version": "2.0.0",
    "state_dict": sd,
    "optimizer_states": [opt.state_dict()],
    "lr_schedulers": [],
    "hyper_parameters": {"lr": 1e-3, "hidden": 4},
}
torch.save(ckpt, "lightning.ckpt")
opt_named = []
for pid, st in opt.state_dict()["state"].items():
    for k, v in st.items():
        opt_named.append(("optimizer_states.0.state.%d.%s" % (pid, k), v))
expected["lightning.ckpt"] = {
    "kind": "zip", "tensors": describe(sd.items()),
    "optimizer": describe(opt_named), "optimizer_kind": "Adam",
    "optimizer_parameters": len(opt.state_dict()["state"]),
}

# 5. {"model": ...} with an optimizer beside it, and {"ema": ...}
torch.save({"model": sd, "optimizer": opt.state_dict(), "epoch": 3}, "nested_model.pt")
expected["nested_model.pt"] = {"kind": "zip", "tensors": describe(sd.items()),
                               "optimizer": describe([(n.replace("optimizer_states.0", "optimizer"), v) for n, v in opt_named]),
                               "optimizer_kind": "Adam"}
torch.save({"ema": sd, "step": 10}, "nested_ema.pt")
expected["nested_ema.pt"] = {"kind": "zip", "tensors": describe(sd.items())}

# 6. a sharded .bin set with pytorch_model.bin.index.json
os.makedirs("sharded", exist_ok=True)
items = list(sd.items())
shards = [dict(items[:2]), dict(items[2:])]
weight_map = {}
for i, part in enumerate(shards):
    fn = "pytorch_model-%05d-of-%05d.bin" % (i + 1, len(shards))
    torch.save(part, os.path.join("sharded", fn))
    for k in part:
        weight_map[k] = fn
total = sum(t.numel() * t.element_size() for t in sd.values())
with open(os.path.join("sharded", "pytorch_model.bin.index.json"), "w") as f:
    json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
expected["sharded"] = {"kind": "zip", "tensors": describe(items)}


# 7. a TorchScript archive
class Scripted(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)
        self.register_buffer("scale", torch.full((2,), 0.5))

    def forward(self, x):
        return self.lin(x) * self.scale + torch.tensor([1.0, 2.0])


sm = torch.jit.script(Scripted())
sm.save("torchscript.pt")
expected["torchscript.pt"] = {"kind": "torchscript", "tensors": describe(sm.state_dict().items())}

# 7b. a traced TorchScript archive whose constant tensor is in constants.pkl
const = torch.tensor([1.0, 2.0, 3.0])


class Traced(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, x):
        return self.lin(x) * const


tr = torch.jit.trace(Traced(), torch.ones(3))
tr.save("torchscript_traced.pt")
expected["torchscript_traced.pt"] = {"kind": "torchscript", "tensors": describe(tr.state_dict().items()),
                                     "other": describe([("constants.0", const)])}

# 8. a Meta-style consolidated.NN.pth pair with params.json
dim, n_layers, n_heads, vocab, hidden = 8, 2, 2, 16, 12
full = {"tok_embeddings.weight": torch.randn(vocab, dim), "norm.weight": torch.ones(dim),
        "output.weight": torch.randn(vocab, dim)}
for l in range(n_layers):
    p = "layers.%d." % l
    for w in ["wq", "wk", "wv", "wo"]:
        full[p + "attention." + w + ".weight"] = torch.randn(dim, dim)
    full[p + "feed_forward.w1.weight"] = torch.randn(hidden, dim)
    full[p + "feed_forward.w3.weight"] = torch.randn(hidden, dim)
    full[p + "feed_forward.w2.weight"] = torch.randn(dim, hidden)
    full[p + "attention_norm.weight"] = torch.ones(dim)
    full[p + "ffn_norm.weight"] = torch.ones(dim)
full["rope.freqs"] = torch.randn(dim // n_heads // 2)


def split_axis(name):
    if name.endswith(("wq.weight", "wk.weight", "wv.weight", "w1.weight", "w3.weight")) or name == "output.weight":
        return 0
    if name.endswith(("wo.weight", "w2.weight")) or name == "tok_embeddings.weight":
        return 1
    return None


os.makedirs("consolidated", exist_ok=True)
for part in range(2):
    d = {}
    for name, t in full.items():
        ax = split_axis(name)
        d[name] = t.clone() if ax is None else torch.chunk(t, 2, dim=ax)[part].clone()
    torch.save(d, os.path.join("consolidated", "consolidated.%02d.pth" % part))
with open(os.path.join("consolidated", "params.json"), "w") as f:
    json.dump({"dim": dim, "n_layers": n_layers, "n_heads": n_heads, "vocab_size": vocab,
               "multiple_of": 4, "norm_eps": 1e-5}, f)
expected["consolidated"] = {"kind": "zip", "tensors": describe(full.items()),
                            "split": {n: split_axis(n) for n in full}}

# 9. malicious pickles (plain pickle files and one inside a torch zip)
os.makedirs("malicious", exist_ok=True)


class OsSystem:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


class Exec:
    def __reduce__(self):
        import builtins
        return (builtins.exec, ("print('pwned')",))


class Popen:
    def __reduce__(self):
        import subprocess
        return (subprocess.Popen, (["true"],))


evil = types.ModuleType("evilpkg.loader")
def run(arg):  # noqa: E306
    return arg
run.__module__ = "evilpkg.loader"
evil.run = run
sys.modules["evilpkg"] = types.ModuleType("evilpkg")
sys.modules["evilpkg.loader"] = evil


class Unknown:
    def __reduce__(self):
        return (evil.run, ("x",))


for fn, obj in [("os_system.pkl", OsSystem()), ("exec.pkl", Exec()), ("popen.pkl", Popen()),
                ("unknown.pkl", Unknown())]:
    with open(os.path.join("malicious", fn), "wb") as f:
        pickle.dump({"payload": obj}, f, protocol=2)
with open(os.path.join("malicious", "os_system_p0.pkl"), "wb") as f:
    pickle.dump(OsSystem(), f, protocol=0)
with open(os.path.join("malicious", "exec_p4.pkl"), "wb") as f:
    pickle.dump(Exec(), f, protocol=4)
w = torch.arange(6, dtype=torch.float32).reshape(2, 3)
torch.save({"weight": w, "payload": OsSystem()}, os.path.join("malicious", "evil_checkpoint.pt"))
expected["malicious/evil_checkpoint.pt"] = {"kind": "zip", "tensors": describe([("weight", w)])}

# 10. broken files
os.makedirs("broken", exist_ok=True)
good = open("views.pt", "rb").read()
open(os.path.join("broken", "truncated.pt"), "wb").write(good[: len(good) // 2])


def rewrite(src, dst, drop=None, replace=None):
    zin = zipfile.ZipFile(src)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            if drop and info.filename.endswith(drop):
                continue
            data = zin.read(info)
            if replace and info.filename.endswith(replace[0]):
                data = replace[1](data)
            zout.writestr(info, data)


small = {"w": torch.arange(8, dtype=torch.float32)}
torch.save(small, "broken_src.pt")
rewrite("broken_src.pt", os.path.join("broken", "missing_record.pt"), drop="/data/0")
rewrite("broken_src.pt", os.path.join("broken", "short_storage.pt"), replace=("/data/0", lambda b: b[:16]))
os.remove("broken_src.pt")

with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
for name in sorted(expected):
    if isinstance(expected[name], dict):
        print(name, len(expected[name]["tensors"]), "tensors")
