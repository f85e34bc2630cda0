"""PyTorch's CPU build as a benchmark peer (bench/torch.ts runs it as a child process).

    python3 bench/torch-peer.py SPEC.json

SPEC names a workload, its inputs (raw little-endian float32 files with their shapes) and a mode:
"time" runs one warm-up call and then up to `runs` timed calls within `budgetMs` (the harness's
rule) and prints {"timing": {...}}; "check" runs one call, writes each output as a raw float32
file into `outDir` and prints {"outputs": [...]}. Every line printed is JSON; a failure prints
{"error": "..."} and exits 1. The workloads are the same programs as bench/workloads/*.ts, in
NCHW / OIHW layouts, each call from host arrays to host arrays.
"""
import json
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except Exception as e:  # reported by the caller as the peer's reason
    print(json.dumps({"error": f"torch is not importable: {e}"}))
    sys.exit(1)


def grads_of(loss, params):
    return [g.contiguous() for g in torch.autograd.grad(loss, params)]


def conv_forward(w1, w2, x):
    h = F.relu(F.conv2d(x, w1, stride=1, padding=1))
    return F.relu(F.conv2d(h, w2, stride=2, padding=1))


def conv(ins):
    w1, w2, x = ins
    with torch.no_grad():
        return [conv_forward(w1, w2, x)]


def convgrad(ins):
    w1, w2, x = ins
    w1.requires_grad_(True)
    w2.requires_grad_(True)
    y = conv_forward(w1, w2, x)
    loss = (y * y).sum()
    return [loss.detach().reshape(1)] + grads_of(loss, [w1, w2])


def resnet(ins, groups):
    params = [t.requires_grad_(True) for t in ins]
    c1w, c1b, n1s, n1h, c2w, c2b, n2s, n2h, x = params
    h = F.relu(F.group_norm(F.conv2d(x, c1w, c1b, stride=1, padding=1), groups, n1s, n1h, eps=1e-5))
    y = F.group_norm(F.conv2d(h, c2w, c2b, stride=1, padding=1), groups, n2s, n2h, eps=1e-5)
    out = F.relu(y + x)
    loss = (out * out).sum()
    return [loss.detach().reshape(1)] + grads_of(loss, params)


def attention(ins, heads):
    params = [t.requires_grad_(True) for t in ins]
    wq, wk, wv, wo, x = params
    b, t, d = x.shape

    def split(w):
        return (x @ w).reshape(b, t, heads, d // heads).transpose(1, 2)

    q, k, v = split(wq), split(wk), split(wv)
    a = torch.softmax(q @ k.transpose(-1, -2) / (d // heads) ** 0.5, dim=-1) @ v
    out = a.transpose(1, 2).reshape(b, t, d) @ wo
    loss = (out * out).sum()
    return [loss.detach().reshape(1)] + grads_of(loss, params)


def workload(spec):
    name = spec["workload"]
    if name == "conv":
        return conv
    if name == "convgrad":
        return convgrad
    if name == "resnet":
        return lambda ins: resnet(ins, spec["groups"])
    if name == "attention":
        return lambda ins: attention(ins, spec["heads"])
    raise ValueError(f"unknown workload {name}")


def main():
    spec = json.load(open(sys.argv[1]))
    fn = workload(spec)
    host = [np.fromfile(a["file"], dtype="<f4").reshape(a["shape"]) for a in spec["inputs"]]

    def call():
        # host arrays in, host arrays out
        return [o.detach().numpy() for o in fn([torch.from_numpy(h) for h in host])]

    meta = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    if spec["mode"] == "check":
        files = []
        for i, o in enumerate(call()):
            path = f"{spec['outDir']}/out{i}.f32"
            np.ascontiguousarray(o, dtype="<f4").tofile(path)
            files.append({"file": path, "shape": list(o.shape)})
        print(json.dumps({**meta, "outputs": files}))
        return
    t0 = time.perf_counter()
    call()
    first = (time.perf_counter() - t0) * 1000
    times = []
    spent = 0.0
    while len(times) < spec["runs"] and (not times or spent + times[-1] <= spec["budgetMs"]):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
        spent += times[-1]
    times.sort()
    mid = len(times) // 2
    median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
    print(json.dumps({**meta, "timing": {"status": "ok", "medianMs": median, "minMs": times[0], "firstMs": first, "runs": len(times)}}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        sys.exit(1)
