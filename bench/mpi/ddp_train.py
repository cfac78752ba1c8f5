#!/usr/bin/python3
"""PyTorch DistributedDataParallel (gloo backend) training of the same two architectures
(bench/train/torch_models.py), the reference for bench/mpi/run.sh.

Each of WORLD processes (torch.multiprocessing.spawn, TCP rendezvous on 127.0.0.1) trains on
GLOBAL_BATCH / WORLD rows of every global batch with THREADS intra-op threads, the optimizer of
calla's recipe (Clair3: AdamW 1e-3 wd 1e-4; Clairvoyante: Adam 1e-3), for STEPS timed updates
after 2 untimed ones. The loss is reduced as calla reduces it: Clair3's focal loss is a mean over
the rank's rows, and DDP averages gradients over ranks, which equals the global mean for equal
shares; Clairvoyante's loss is a sum, so the rank loss is multiplied by WORLD to undo DDP's
average. Synthetic inputs (random counts; throughput does not depend on the values).

Usage: /usr/bin/python3 bench/mpi/ddp_train.py MODEL WORLD THREADS GLOBAL_BATCH STEPS [PORT]
Prints: "torch-ddp <model> <world> <threads> <global batch> <samples/s>"
"""
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
import torch_models as tm  # noqa: E402


def worker(rank, name, world, threads, gbatch, steps, port, q):
    torch.set_num_threads(threads)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    torch.manual_seed(1)  # same initial weights on every rank (DDP also broadcasts rank 0's)
    b = gbatch // world + (1 if rank < gbatch % world else 0)
    g = torch.Generator().manual_seed(100 + rank)
    if name == "clair3-pileup":
        model = tm.Clair3Pileup()
        x = torch.randint(0, 20, (b, 33, 18), generator=g).float()
        y = (F.one_hot(torch.randint(0, 21, (b,), generator=g), 21).float(),
             F.one_hot(torch.randint(0, 3, (b,), generator=g), 3).float())
        loss_fn = lambda out: tm.focal(out[0], y[0]) + tm.focal(out[1], y[1])
        opt_cls, kw = torch.optim.AdamW, {"lr": 1e-3, "weight_decay": 1e-4}
    else:
        model = tm.Clairvoyante()
        x = torch.randint(0, 20, (b, 33, 4, 4), generator=g).float()
        y = torch.cat([F.one_hot(torch.randint(0, k, (b,), generator=g), k).float()
                       for k in (4, 2, 4, 6)], 1)
        loss_fn = lambda out: tm.clv_loss(out, y) * world
        opt_cls, kw = torch.optim.Adam, {"lr": 1e-3}
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    opt = opt_cls(ddp.parameters(), **kw)
    ddp.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(ddp(x)).backward()  # DDP all-reduces gradient buckets during backward
        opt.step()

    for _ in range(2):
        step()
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    dist.barrier()
    dt = time.perf_counter() - t0
    if rank == 0:
        q.put(gbatch * steps / dt)
    dist.destroy_process_group()


if __name__ == "__main__":
    name, world, threads, gbatch, steps = sys.argv[1], *map(int, sys.argv[2:6])
    port = int(sys.argv[6]) if len(sys.argv) > 6 else 29511
    ctx = mp.get_context("spawn")
    q = ctx.SimpleQueue()
    mp.spawn(worker, args=(name, world, threads, gbatch, steps, port, q), nprocs=world)
    print(f"torch-ddp {name} {world} {threads} {gbatch} {q.get():.1f}", flush=True)
