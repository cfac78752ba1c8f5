#!/usr/bin/env python3
"""PyTorch on the same GPU, same architectures as calla (bench/train/torch_models.py), for
bench/gpu/run.sh.

Usage: python3 bench/gpu/torch_gpu.py MODEL PRECISION BATCH STEPS
Prints "torch MODEL train|infer PRECISION BATCH samples/s ms/step" (best of 3 timings of STEPS
steps after 2 warm-up steps; each timing ends with torch.cuda.synchronize()).
A training step matches calla's cuda_train_step: host batch copied to the device (pinned),
forward with dropout, loss, backward, optimizer step (AdamW for Clair3, Adam for Clairvoyante),
loss read back (.item(), one host wait). Precision: fp32 (TF32 off), tf32 (TF32 matmul and
cuDNN allowed), bf16 (autocast to bfloat16, fp32 master weights: the closest PyTorch analogue of
calla's bf16 GEMM mode, though autocast also runs the LSTM cells in bf16).
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
import torch_models as tm  # noqa: E402

name, prec, B, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
dev = torch.device(os.environ.get("TORCH_DEVICE", "cuda"))  # "cpu": a dry run of this script
torch.backends.cuda.matmul.allow_tf32 = prec == "tf32"
torch.backends.cudnn.allow_tf32 = prec == "tf32"
torch.manual_seed(1)
g = torch.Generator().manual_seed(2)
F = torch.nn.functional
if name == "clair3-pileup":
    m = tm.Clair3Pileup().to(dev)
    x = torch.randint(0, 20, (B, 33, 18), generator=g).float()
    y = (F.one_hot(torch.randint(0, 21, (B,), generator=g), 21).float().to(dev),
         F.one_hot(torch.randint(0, 3, (B,), generator=g), 3).float().to(dev))
    loss_fn = lambda out: tm.focal(out[0].float(), y[0]) + tm.focal(out[1].float(), y[1])
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4, weight_decay=1e-4)
else:
    m = tm.Clairvoyante().to(dev)
    x = torch.randint(0, 20, (B, 33, 4, 4), generator=g).float()
    y = torch.cat([F.one_hot(torch.randint(0, k, (B,), generator=g), k).float()
                   for k in (4, 2, 4, 6)], 1).to(dev)
    loss_fn = lambda out: tm.clv_loss(tuple(o.float() for o in out), y)
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
if dev.type == "cuda":
    x = x.pin_memory()  # page-locked staging, as calla's


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def train_step():
    xd = x.to(dev, non_blocking=True)
    with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=prec == "bf16"):
        out = m(xd)
    loss = loss_fn(out)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


def infer_step():
    xd = x.to(dev, non_blocking=True)
    with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=prec == "bf16"):
        out = m(xd)
    torch.cat([o.float().reshape(B, -1) for o in out], 1).cpu()  # probabilities to the host


for mode, step in (("train", train_step), ("infer", infer_step)):
    m.train(mode == "train")
    best = 1e30
    for rep in range(-1, 3):
        n = 2 if rep < 0 else steps
        sync()
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        sync()
        dt = (time.perf_counter() - t0) / n
        if rep >= 0:
            best = min(best, dt)
    print(f"torch {name} {mode} {prec} {B} {B / best:.1f} {1e3 * best:.3f}", flush=True)
