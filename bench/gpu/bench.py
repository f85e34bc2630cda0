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


def drift_loss(gen_in, neg, pos, w):
    """The official multi-temperature loss (stdlib/fields/driftLoss.ts), line by line: the gradient
    flows only through the generated samples of the last line."""
    gen = gen_in.detach()
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
    loss = (gen_in / scale_inputs - goal).square().mean([1, 2]).mean()
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


# ---- the image pipeline's training step (stdlib/mnist/driftStep.ts) ----


def rms_norm(x, scale, eps=1e-6):
    return x / (x.square().mean(-1, keepdim=True) + eps).sqrt() * scale


def generate_mlp(p, depth, noise, labels, styles, alpha, alpha_scale):
    """The MLP generator (stdlib/mnist/mlpGenerator.ts) with its condition (condition.ts); p its leaves in order."""
    noise_w, noise_b, class_embed, style_embed, a_in_w, a_in_b, a_out_w, a_out_b, a_norm = p[:9]
    b, n = styles.shape
    freqs = (torch.arange(8, device=noise.device, dtype=noise.dtype) * math.log(2)).exp() * (math.pi / 4)
    angles = alpha.reshape(b, 1) * freqs
    a = F.silu(torch.cat([angles.sin(), angles.cos()], 1) @ a_in_w + a_in_b) @ a_out_w + a_out_b
    rows = styles + torch.arange(n, device=styles.device).reshape(1, n) * (style_embed.shape[0] // n)
    cond = class_embed[labels] + style_embed[rows].sum(1) + rms_norm(a, a_norm) * alpha_scale
    x = noise.reshape(b, -1) @ noise_w + noise_b + cond
    for i in range(depth):
        scale, w1, b1, w2, b2 = p[9 + 5 * i : 14 + 5 * i]
        x = x + F.silu(rms_norm(x, scale) @ w1 + b1) @ w2 + b2
    final, out_w, out_b = p[9 + 5 * depth :]
    return torch.tanh(rms_norm(x, final) @ out_w + out_b).reshape(noise.shape)


def encoder_maps(e, x):
    """The encoder's stage outputs (stdlib/mnist/encoder.ts: 1 block a stage); e its leaves in order."""
    groups = lambda c: max(1, min(8, c // 4))
    gn = lambda h, scale, shift: F.group_norm(h, groups(h.shape[1]), scale, shift, 1e-5)
    h = F.relu(gn(F.conv2d(x, e[0], e[1], padding=1), e[2], e[3]))
    maps, k, s = [], 4, 0
    while k < len(e):
        stride = 1 if s == 0 else 2
        w1, b1, n1s, n1b, w2, b2, n2s, n2b = e[k : k + 8]
        y = gn(F.conv2d(F.relu(gn(F.conv2d(h, w1, b1, stride, 1), n1s, n1b)), w2, b2, 1, 1), n2s, n2b)
        if s > 0:
            pw, pb, ps, psh = e[k + 8 : k + 12]
            skip = gn(F.conv2d(h, pw, pb, stride, 0), ps, psh)
        h = F.relu(y + (skip if s > 0 else h))
        maps.append(h)
        k, s = k + (12 if s > 0 else 8), s + 1
    return maps


def features(e, x):
    """The multi-scale features (stdlib/mnist/features.ts), each [locations, n, channels]."""
    by_location = lambda h: h.reshape(h.shape[0], h.shape[1], -1).permute(2, 0, 1)

    def stats(h, p):
        n, c, hh, ww = h.shape
        patches = h.reshape(n, c, hh // p, p, ww // p, p)
        mean = patches.mean([3, 5], keepdim=True)
        std = ((patches - mean).square().mean([3, 5]) + 1e-6).sqrt()
        return by_location(mean.reshape(n, c, hh // p, ww // p)), by_location(std)

    out = []
    for h in encoder_maps(e, x):
        side = h.shape[2]
        out += [by_location(h), *stats(h, side)]
        out += [f for p in (2, 4) if side % p == 0 and side // p >= 2 for f in stats(h, p)]
    n = x.shape[0]
    return out + [x.reshape(1, n, -1), by_location((x.square().mean([2, 3], keepdim=True) + 1e-6).sqrt())]


def mnist_step(ins, depth):
    """One step: the summed drift loss over the feature keys, its gradient into the generator, clipped
    by global norm, AdamW after a linear warmup, the EMA. Returns the loss, the output layer's new
    weights, its first moment and the noise layer's first moment (the outputs compared)."""
    n = 12 + 5 * depth
    params, step = ins[:n], float(ins[n])
    m, v, ema = ins[n + 1 : 2 * n + 1], ins[2 * n + 1 : 3 * n + 1], ins[3 * n + 1 : 4 * n + 1]
    enc = ins[4 * n + 1 : -15]
    noise, labels, styles, alpha, positives, uncond, w = ins[-15:-8]
    lr, warmup, wd, beta1, beta2, clip, ema_decay, alpha_scale = (float(x) for x in ins[-8:])
    groups = w.shape[0]
    params = [p.detach().requires_grad_(True) for p in params]
    with torch.no_grad():
        pos, unc = features(enc, positives), features(enc, uncond)
    gen = features(enc, generate_mlp(params, depth, noise, labels.long(), styles.long(), alpha, alpha_scale))
    by_group = lambda f: f.reshape(f.shape[0] * groups, f.shape[1] // groups, f.shape[2])
    loss = sum(
        drift_loss(by_group(g), by_group(u), by_group(p), w.repeat(g.shape[0]))[0] for g, p, u in zip(gen, pos, unc)
    )
    grads = torch.autograd.grad(loss, params)
    norm = torch.sqrt(sum(g.square().sum() for g in grads))
    grads = [g * (clip / torch.clamp_min(norm, clip)) for g in grads]
    rate = min(step / warmup, 1) * (lr - 1e-6) + 1e-6
    t = step + 1
    new_m = [beta1 * mi + (1 - beta1) * g for mi, g in zip(m, grads)]
    new_v = [beta2 * vi + (1 - beta2) * g * g for vi, g in zip(v, grads)]
    new_p = [
        p.detach() - rate * ((mi / (1 - beta1**t)) / ((vi / (1 - beta2**t)).sqrt() + 1e-8) + p.detach() * wd)
        for p, mi, vi in zip(params, new_m, new_v)
    ]
    decay = min((1 + step) / (10 + step), ema_decay)
    new_ema = [a * decay + p * (1 - decay) for a, p in zip(ema, new_p)]
    return [loss.detach(), new_p[-2], new_m[-2], new_m[0]], new_ema


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
    if kind == "mnist-step":
        return lambda: mnist_step(ins, w["size"]["depth"])[0]
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


def read_input(ddir, i, rule):
    """Input i as the runner wrote it: int32 for an integer rule, else float32."""
    if "below" in rule:
        data = np.fromfile(os.path.join(ddir, f"in{i}.i32"), dtype="<i4")
        return torch.from_numpy(data.reshape(rule["shape"]).copy())
    return read_f32(os.path.join(ddir, f"in{i}.f32"), rule.get("shape", []))


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
                ins.append(read_input(ddir, i, rule).to(device))
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
