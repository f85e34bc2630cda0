"""The GPU benchmark: drift's webgpu backend (Dawn on Vulkan) side by side with PyTorch, eager and
torch.compile, on the workloads of workloads.json (the pack's bench/gpu/workloads.ts). run.sh
starts it after setting up Node, Dawn and the Vulkan driver.

    python3 bench.py [--only id,...] [--runs k] [--budget s] [--json FILE] [--no-compile]

Drift runs in runner.mjs (the pack's Node), which draws the inputs, writes them and its outputs as
raw float32 files, and prints its timings; PyTorch then runs on the same inputs, on CUDA when it has
a GPU, else on the CPU (and says so). Every timing is one warm-up call (drift: compiling its kernels
and uploading its inputs; torch.compile: compiling) and then up to k calls within s seconds, the
median of those: a complete call, inputs already on the device (drift uploads an input only when
its bytes changed), every output copied back to the host. "agree" is the largest
max|drift − torch| / max|torch| over the outputs compared (PyTorch eager's). Prints a table and
writes everything as JSON (default bench-gpu-results.json beside this script).
"""
import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPERATURES = [0.02, 0.05, 0.2]

try:
    import numpy as np
    import torch
    import torch.nn.functional as F

    TORCH = None
except Exception as e:  # drift still runs; every PyTorch cell says why it is empty
    TORCH = f"torch is not importable here ({e})"


# ---- the workloads in PyTorch, written as a PyTorch user writes them from the paper ----


def paper_field(x, pos, neg, tau):
    """Alg. 2: joint logits, √(row softmax · column softmax), anti-symmetric weights."""
    n, m, p = x.shape[0], neg.shape[0], pos.shape[0]
    mask = torch.eye(n, m, device=x.device, dtype=x.dtype) * 1e6
    logits = torch.cat([torch.cdist(x, pos), torch.cdist(x, neg) + mask], 1) / -tau
    a = ((torch.log_softmax(logits, 1) + torch.log_softmax(logits, 0)) * 0.5).exp()
    a_pos, a_neg = a[:, :p], a[:, p:]
    w_pos = a_pos * a_neg.sum(1, keepdim=True)
    w_neg = a_neg * a_pos.sum(1, keepdim=True)
    return w_pos @ pos - w_neg @ neg


def drift_loss(gen, neg, pos, w):
    """The official multi-temperature loss (stdlib/fields/driftLoss.ts), line by line."""
    b, cg, s = gen.shape
    cn, cp = neg.shape[1], pos.shape[1]
    ct = cg + cn + cp
    ones = lambda *shape: torch.ones(*shape, device=gen.device, dtype=gen.dtype)
    targets = torch.cat([gen, neg, pos], 1)
    weights = torch.cat([ones(b, cg), ones(b, cn) * w.reshape(b, 1), ones(b, cp)], 1).reshape(b, 1, ct)
    dist = torch.cdist(gen, targets).square().clamp_min(1e-8).sqrt()
    scale = (dist * weights).mean() / weights.mean()
    scale_inputs = (scale / math.sqrt(s)).clamp_min(1e-3)
    gen_s, targets_s = gen / scale_inputs, targets / scale_inputs
    dist_n = dist / scale.clamp_min(1e-3) + torch.eye(cg, ct, device=gen.device, dtype=gen.dtype) * 100
    forces, f2s = [], []
    for r in TEMPERATURES:
        logits = dist_n / -r
        aff = (torch.softmax(logits, 2) * torch.softmax(logits, 1)).clamp_min(1e-6).sqrt() * weights
        aff_neg, aff_pos = aff[..., : cg + cn], aff[..., cg + cn :]
        coeff = torch.cat([-(aff_neg * aff_pos.sum(2, keepdim=True)), aff_pos * aff_neg.sum(2, keepdim=True)], 2)
        force = coeff @ targets_s - coeff.sum(2, keepdim=True) * gen_s
        forces.append(force)
        f2s.append(force.square().mean())
    goal = gen_s
    for force, f2 in zip(forces, f2s):
        goal = goal + force / f2.clamp_min(1e-8).sqrt()
    loss = (gen / scale_inputs - goal).square().mean([1, 2]).mean()
    return [loss, torch.stack(f2s)]


def train_step(layers, m, v, step, noise, data, tau, lr, beta1, beta2, eps=1e-8):
    """The toy step (stdlib/toy2d/step.ts): x = MLP(noise), loss = ‖x − sg(x + V(x; data, x))‖², Adam."""
    params = [p.detach().requires_grad_(True) for p in layers]
    h = noise
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = F.silu(h)
    with torch.no_grad():
        target = h + paper_field(h, data, h, tau)
    loss = (h - target).square().mean()
    grads = torch.autograd.grad(loss, params)
    t = step + 1
    new_m = [beta1 * mi + (1 - beta1) * g for mi, g in zip(m, grads)]
    new_v = [beta2 * vi + (1 - beta2) * g * g for vi, g in zip(v, grads)]
    new_p = [
        p.detach() - lr * (mi / (1 - beta1**t)) / ((vi / (1 - beta2**t)).sqrt() + eps)
        for p, mi, vi in zip(params, new_m, new_v)
    ]
    # the outputs compared with drift's: the loss and Adam's first moments
    return [loss.detach(), *new_m], new_p, new_v


def torch_call(w, ins):
    """The workload as a function of its device inputs, returning the compared outputs (on the device)."""
    kind = w["kind"]
    if kind == "field":
        x, pos, neg, tau = ins
        return lambda: [paper_field(x, pos, neg, float(tau))]
    if kind == "loss":
        gen, neg, pos, wt = ins
        return lambda: drift_loss(gen, neg, pos, wt)
    if kind == "matmul":
        a, b = ins
        return lambda: [a @ b]
    n = (len(ins) - 7) // 3  # weights and biases, then the step, m, v, and six more inputs
    layers, step, m, v = ins[:n], float(ins[n]), ins[n + 1 : 2 * n + 1], ins[2 * n + 1 : 3 * n + 1]
    noise, data, tau, lr, beta1, beta2 = ins[3 * n + 1 :]
    return lambda: train_step(layers, m, v, step, noise, data, float(tau), float(lr), float(beta1), float(beta2))[0]


# ---- running and timing ----


def measure(call, runs, budget, sync):
    """One warm-up call, then up to `runs` calls within `budget` seconds; each copies its outputs to the host."""
    t0 = time.perf_counter()
    out = [o.cpu() for o in call()]
    sync()
    first = time.perf_counter() - t0
    times = []
    while len(times) < runs and (not times or sum(times) < budget):
        t0 = time.perf_counter()
        out = [o.cpu() for o in call()]
        sync()
        times.append(time.perf_counter() - t0)
    times.sort()
    return {"firstMs": 1e3 * first, "medianMs": 1e3 * times[len(times) // 2], "minMs": 1e3 * times[0], "runs": len(times)}, out


def read_f32(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(shape).copy())


def agreement(drift_dir, drift_outputs, compared, theirs):
    """max|drift − torch| / max|torch|, the worst over the compared outputs."""
    worst = 0.0
    for k, i in enumerate(compared):
        o = drift_outputs[i]
        d = read_f32(os.path.join(drift_dir, o["file"]), o["shape"]).double()
        t = theirs[k].double().reshape(d.shape)
        scale = t.abs().max().item()
        diff = (d - t).abs().max().item()
        worst = max(worst, diff / scale if scale > 0 else diff)
    return worst


def drift_runs(args, out_dir):
    node = os.environ.get("DRIFT_NODE", "node")
    cmd = [node, os.path.join(HERE, "runner.mjs"), "run", "--out", out_dir, "--runs", str(args.runs)]
    cmd += ["--budget-ms", str(int(1e3 * args.budget))] + (["--only", args.only] if args.only else [])
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench.py: the drift runner failed (exit {proc.returncode})")
    return {r["id"]: r for r in (json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{"))}


def fmt(ms):
    return "" if ms is None else f"{ms:.2f} ms" if ms < 100 else f"{ms:.0f} ms"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated workload ids (workloads.json)")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--budget", type=float, default=2.0, help="seconds of timed calls per cell")
    ap.add_argument("--json", default=os.path.join(HERE, "bench-gpu-results.json"))
    ap.add_argument("--no-compile", action="store_true", help="leave out torch.compile")
    args = ap.parse_args()
    with open(os.path.join(HERE, "workloads.json")) as f:
        workloads = [w for w in json.load(f) if not args.only or w["id"] in args.only.split(",")]
    with open(os.path.join(HERE, ".runtime", "adapter.json")) as f:
        adapter = json.load(f)
    started = time.time()
    out_dir = tempfile.mkdtemp(prefix="drift-bench-gpu-")
    drift = drift_runs(args, out_dir)

    device, why_not = "cpu", TORCH
    if TORCH is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    sync = (lambda: torch.cuda.synchronize()) if device == "cuda" else (lambda: None)
    compile_why = "--no-compile" if args.no_compile else None
    if TORCH is None and not hasattr(torch, "compile"):
        compile_why = f"torch {torch.__version__} has no torch.compile"
    rows = []
    for w in workloads:
        d = drift.get(w["id"], {"error": "the runner printed nothing"})
        row = {"id": w["id"], "kind": w["kind"], "size": w["size"], "flops": w["flops"], "drift": d}
        if why_not is None:
            ddir = os.path.join(out_dir, w["id"])
            ins = []
            for i, rule in enumerate(w["inputs"]):
                shape = rule.get("shape", [])
                ins.append(read_f32(os.path.join(ddir, f"in{i}.f32"), shape).to(device))
            for name, wrap in [("eager", None), ("compile", "compile")]:
                if wrap and compile_why:
                    row[name] = {"error": compile_why}
                    continue
                try:
                    call = torch_call(w, ins)
                    if wrap:
                        inner = call
                        call = torch.compile(lambda: inner())
                    timing, outs = measure(call, args.runs, args.budget, sync)
                    if "outputs" in d:
                        timing["agree"] = agreement(ddir, d["outputs"], w["compared"], outs)
                    row[name] = timing
                except Exception as e:  # an out-of-memory or a compile failure is that cell's result
                    row[name] = {"error": str(e).split("\n")[0][:160]}
                    if device == "cuda":
                        torch.cuda.empty_cache()
        rows.append(row)

    gpu = torch.cuda.get_device_name(0) if why_not is None and device == "cuda" else None
    print(f"\ndrift webgpu on {adapter['description']} ({adapter['api']}); PyTorch " +
          (why_not if why_not else f"{torch.__version__} on {gpu or 'the CPU (no CUDA device)'}"))
    print("\n| workload | size | drift first | drift | torch eager | torch.compile | drift ÷ eager | drift ÷ compile | agree |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        d, e, c = r["drift"], r.get("eager", {}), r.get("compile", {})
        cell = lambda t: fmt(t.get("medianMs")) or (t.get("error", "")[:60] if t else "")
        ratio = lambda t: f"{d['medianMs'] / t['medianMs']:.2f}" if "medianMs" in d and "medianMs" in t else ""
        size = ", ".join(f"{k} = {v}" for k, v in r["size"].items())
        agree = e.get("agree")
        print(f"| {r['kind']} | {size} | {fmt(d.get('firstMs'))} | {cell(d)} | {cell(e)} | {cell(c)} | "
              f"{ratio(e)} | {ratio(c)} | {'' if agree is None else f'{agree:.1e}'} |")
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "seconds": time.time() - started,
        "machine": {"host": platform.node(), "adapter": adapter, "torch": None if why_not else torch.__version__,
                    "torchDevice": gpu or device, "python": platform.python_version()},
        "rule": "median of up to --runs calls within --budget s after one warm-up; complete calls, outputs to the host",
        "results": rows,
    }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    print(f"\n{len(rows)} workloads in {time.time() - started:.0f} s; results in {args.json}")


if __name__ == "__main__":
    main()
