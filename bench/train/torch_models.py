#!/usr/bin/python3
"""calla's architectures in PyTorch, for the training-speed comparison (bench/train/run.sh).

Same layers, shapes, dropout rates, losses and batch as src/network/model_clair3.c and
model_clairvoyante.c, model_clair3_fa.c (docs/network.md). Parameter counts are asserted:
Clairvoyante and Clair3 full alignment (2,986,522, 55 rows, symmetric padding 1, BN eps 1e-3
in training mode, SPP as calla's) match calla exactly; PyTorch's LSTM carries a second, redundant
bias b_hh per direction, so Clair3 pileup has 2,074,520 = calla's 2,072,216 + 2 x (512 + 640).

Usage: /usr/bin/python3 bench/train/torch_models.py MODEL THREADS [STEPS] [REPEATS]
Prints one line per mode: "torch MODEL train|infer THREADS samples/s peak_RSS_MiB samples/CPU-s"
(best of REPEATS runs of STEPS steps, wall clock and process CPU time).
"""
import resource
import sys
import time

import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

B = 256
warnings.filterwarnings("ignore", message="Using padding='same'")


class Clair3Pileup(nn.Module):
    # x [B,33,18] -> BiLSTM 128 -> BiLSTM 160 -> dropout 0.2 -> flatten 10560 -> dense 128 SELU
    # dropout 0.5 -> {dense 128 SELU dropout 0.2 -> dense 21 | dense 3, SELU, softmax}
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTM(18, 128, batch_first=True, bidirectional=True)
        self.lstm2 = nn.LSTM(256, 160, batch_first=True, bidirectional=True)
        self.l4 = nn.Linear(33 * 320, 128)
        self.l5_1 = nn.Linear(128, 128)
        self.gt21 = nn.Linear(128, 21)
        self.l5_2 = nn.Linear(128, 128)
        self.zygosity = nn.Linear(128, 3)

    def forward(self, x):
        h, _ = self.lstm1(x)
        h, _ = self.lstm2(h)
        h = F.dropout(h, 0.2, self.training).flatten(1)
        h = F.dropout(F.selu(self.l4(h)), 0.5, self.training)
        a = F.dropout(F.selu(self.l5_1(h)), 0.2, self.training)
        b = F.dropout(F.selu(self.l5_2(h)), 0.2, self.training)
        return F.softmax(F.selu(self.gt21(a)), 1), F.softmax(F.selu(self.zygosity(b)), 1)


def focal(p, y, gamma=2.0):
    p = p.clamp(1e-9, 1 - 1e-9)
    return (-(y * (1 - p) ** gamma * torch.log(p))).sum(1).mean()


class Clairvoyante(nn.Module):
    # x [B,33,4,4] NHWC -> NCHW; conv (1,4)x16, (2,4)x32, (3,4)x48 'same' + SELU + maxpool (5,1),
    # (4,1), (3,1) -> 4608 -> fc4 336 SELU alpha-dropout 0.5 -> fc5 168 SELU -> four heads
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 16, (1, 4), padding="same")
        self.conv2 = nn.Conv2d(16, 32, (2, 4), padding="same")
        self.conv3 = nn.Conv2d(32, 48, (3, 4), padding="same")
        self.fc4 = nn.Linear(4608, 336)
        self.fc5 = nn.Linear(336, 168)
        self.base_change = nn.Linear(336, 4)
        self.zygosity = nn.Linear(168, 2)
        self.variant_type = nn.Linear(168, 4)
        self.indel_length = nn.Linear(168, 6)

    def forward(self, x):
        h = x.permute(0, 3, 1, 2)
        h = F.max_pool2d(F.selu(self.conv1(h)), (5, 1), 1)
        h = F.max_pool2d(F.selu(self.conv2(h)), (4, 1), 1)
        h = F.max_pool2d(F.selu(self.conv3(h)), (3, 1), 1)
        h = h.permute(0, 2, 3, 1).flatten(1)  # NHWC flatten, as calla / Keras
        h4 = F.alpha_dropout(F.selu(self.fc4(h)), 0.5, self.training)
        h5 = F.selu(self.fc5(h4))
        return (torch.sigmoid(self.base_change(h4)), F.selu(self.zygosity(h5)),
                F.selu(self.variant_type(h5)), F.selu(self.indel_length(h5)))


def clv_loss(out, y):
    bc, zy, ty, ln = out
    loss = ((bc - y[:, 0:4]) ** 2).sum()
    for z, lo, hi in ((zy, 4, 6), (ty, 6, 10), (ln, 10, 16)):
        loss = loss - (y[:, lo:hi] * F.log_softmax(z, 1)).sum()
    return loss


class Block(nn.Module):
    # ResNet BasicBlock, identity shortcut: ReLU(BN(conv(ReLU(BN(conv(x))))) + x)
    def __init__(self, c):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c, eps=1e-3)
        self.c2, self.b2 = nn.Conv2d(c, c, 3, 1, 1), nn.BatchNorm2d(c, eps=1e-3)

    def forward(self, x):
        h = F.relu(self.b1(self.c1(x)))
        return F.relu(self.b2(self.c2(h)) + x)


def spp(x):
    # 3x3, 2x2, 1x1 bins of ceil(H/n) x ceil(W/n), grid centred as TF SAME (floor(pad/2) before),
    # zero padding (the input is post-ReLU), HWC flatten per level
    H, W = x.shape[2], x.shape[3]
    out = []
    for n in (3, 2, 1):
        kh, kw = -(-H // n), -(-W // n)
        ph, pw = n * kh - H, n * kw - W
        xp = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        out.append(F.max_pool2d(xp, (kh, kw), (kh, kw)).permute(0, 2, 3, 1).flatten(1))
    return torch.cat(out, 1)


class Clair3FA(nn.Module):
    # x [B,55,33,8] NHWC -> NCHW; conv1 3x3 s2 8->64 BN ReLU, res1, conv3 s2 ->128, res2,
    # conv5 s2 ->256, res3, SPP 3584, dropout 0.2, dense 256 SELU dropout 0.5, four heads
    # (dense 128 SELU dropout 0.2 -> dense n, SELU, softmax)
    def __init__(self):
        super().__init__()
        def cbr(ci, co):
            return nn.Sequential(nn.Conv2d(ci, co, 3, 2, 1), nn.BatchNorm2d(co, eps=1e-3),
                                 nn.ReLU())
        self.trunk = nn.Sequential(cbr(8, 64), Block(64), cbr(64, 128), Block(128),
                                   cbr(128, 256), Block(256))
        self.l4 = nn.Linear(3584, 256)
        self.l5 = nn.ModuleList(nn.Linear(256, 128) for _ in range(4))
        self.heads = nn.ModuleList(nn.Linear(128, n) for n in (21, 3, 33, 33))

    def forward(self, x):
        h = spp(self.trunk(x.permute(0, 3, 1, 2)))
        h = F.dropout(h, 0.2, self.training)
        h = F.dropout(F.selu(self.l4(h)), 0.5, self.training)
        return [F.softmax(F.selu(hd(F.dropout(F.selu(l5(h)), 0.2, self.training))), 1)
                for l5, hd in zip(self.l5, self.heads)]


def nparams(m):
    return sum(p.numel() for p in m.parameters())


def make(name):
    g = torch.Generator().manual_seed(2)
    if name == "clair3-pileup":
        m = Clair3Pileup()
        assert nparams(m) == 2074520, nparams(m)
        assert nparams(m) - 2 * (512 + 640) == 2072216
        x = torch.randint(0, 20, (B, 33, 18), generator=g).float()
        y = (F.one_hot(torch.randint(0, 21, (B,), generator=g), 21).float(),
             F.one_hot(torch.randint(0, 3, (B,), generator=g), 3).float())
        loss = lambda out: focal(out[0], y[0]) + focal(out[1], y[1])
    elif name == "clair3-fa":
        m = Clair3FA()
        assert nparams(m) == 2986522, nparams(m)
        x = torch.randint(-100, 101, (B, 55, 33, 8), generator=g).float() / 100
        y = [F.one_hot(torch.randint(0, k, (B,), generator=g), k).float()
             for k in (21, 3, 33, 33)]
        loss = lambda out: sum(focal(p, t) for p, t in zip(out, y))
    else:
        m = Clairvoyante()
        assert nparams(m) == 1631496, nparams(m)
        x = torch.randint(0, 20, (B, 33, 4, 4), generator=g).float()
        y = torch.cat([F.one_hot(torch.randint(0, k, (B,), generator=g), k).float()
                       for k in (4, 2, 4, 6)], 1)
        loss = lambda out: clv_loss(out, y)
    return m, x, loss


def bench(name, threads, steps, repeats):
    torch.set_num_threads(threads)
    m, x, loss = make(name)
    res = {}
    m.train()
    for p in m.parameters():
        p.grad = None
    loss(m(x)).backward()  # warm-up
    best = bestc = 0.0
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            for p in m.parameters():
                p.grad = None
            loss(m(x)).backward()
        best = max(best, B * steps / (time.perf_counter() - t0))
        bestc = max(bestc, B * steps / (time.process_time() - c0))
    res["train"] = (best, bestc)
    m.eval()
    best = bestc = 0.0
    with torch.no_grad():
        m(x)
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(steps):
                m(x)
            best = max(best, B * steps / (time.perf_counter() - t0))
            bestc = max(bestc, B * steps / (time.process_time() - c0))
    res["infer"] = (best, bestc)
    return res


if __name__ == "__main__":
    name = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    torch.manual_seed(1)
    r = bench(name, threads, steps, repeats)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    for mode in ("train", "infer"):
        print(f"torch {name} {mode} {threads} {r[mode][0]:.1f} {rss:.0f} {r[mode][1]:.1f}",
              flush=True)
