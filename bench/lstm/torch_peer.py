"""PyTorch CPU peer of the Carousel LSTM bench (run by torch-peer.ts, one process per round).

Same work as the tfjs peer: torch.nn.LSTMCell(X, H) + Linear(H, 1), float32, one thread.
  train:   per step, forward one cell step, loss 1/2 (y - d)^2, backward, SGD step; (h, c)
           carried across steps detached (a 1-step truncated gradient); y read with .item().
  forward: one cell step under torch.no_grad(), state carried.
  batch:   one [B, X] cell step under torch.no_grad().
  guard:   mean loss of steps 0-99 and 300-399 of 400 train steps at the first H.
Prints one JSON object {"version", "guard": {...}, "rows": [{"work", "H", "steps_per_s"}]}.
Usage: torch_peer.py --X 8 --H 32,64,128 --B 256 --seconds 0.25 --lr 0.05 [--guard]
"""
import argparse
import json
import math
import time

import torch

torch.set_num_threads(1)
P = argparse.ArgumentParser()
P.add_argument("--X", type=int, default=8)
P.add_argument("--H", type=str, default="32,64,128")
P.add_argument("--B", type=int, default=256)
P.add_argument("--seconds", type=float, default=0.25)
P.add_argument("--lr", type=float, default=0.05)
P.add_argument("--guard", action="store_true")
A = P.parse_args()
X = A.X
W = 2 * math.pi / 32
XS = torch.tensor([[math.sin(W * t + 0.5 * k) for k in range(X)] for t in range(1024)], dtype=torch.float32)
DS = torch.tensor([[math.sin(W * (t + 1))] for t in range(1024)], dtype=torch.float32)


class Online:
    def __init__(self, H, B=1):
        torch.manual_seed(7)
        self.cell = torch.nn.LSTMCell(X, H)
        self.head = torch.nn.Linear(H, 1)
        self.opt = torch.optim.SGD(list(self.cell.parameters()) + list(self.head.parameters()), lr=A.lr)
        self.h = torch.zeros(B, H)
        self.c = torch.zeros(B, H)
        self.B = B
        self.t = 0
        if B > 1:
            self.xb = [torch.stack([XS[(s + b) % 1024] for b in range(B)]) for s in range(64)]

    def learn_step(self):
        i = self.t % 1024
        h, c = self.cell(XS[i : i + 1], (self.h, self.c))
        y = self.head(h)
        loss = 0.5 * ((y - DS[i : i + 1]) ** 2).sum()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        y.item()
        self.h, self.c = h.detach(), c.detach()
        self.t += 1
        return loss.item()

    def forward_step(self):
        with torch.no_grad():
            x = XS[self.t % 1024 : self.t % 1024 + 1] if self.B == 1 else self.xb[self.t % 64]
            self.h, self.c = self.cell(x, (self.h, self.c))
            self.head(self.h).numpy()
        self.t += 1


def timed(step):
    n = 1
    while True:  # calibrate to about A.seconds, then one timed sample after a warm-up
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        dt = time.perf_counter() - t0
        if dt >= 0.02:
            break
        n *= 2
    n = max(1, round(n * A.seconds / dt))
    for _ in range(max(1, n >> 4)):
        step()
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return n / (time.perf_counter() - t0)


out = {"version": torch.__version__, "threads": torch.get_num_threads(), "rows": []}
Hs = [int(h) for h in A.H.split(",")]
if A.guard:
    net = Online(Hs[0])
    losses = [net.learn_step() for _ in range(400)]
    out["guard"] = {"H": Hs[0], "first": sum(losses[:100]) / 100, "last": sum(losses[300:]) / 100}
for H in Hs:
    out["rows"].append({"work": "train", "H": H, "steps_per_s": timed(Online(H).learn_step)})
    out["rows"].append({"work": "forward", "H": H, "steps_per_s": timed(Online(H).forward_step)})
    out["rows"].append({"work": "batch", "H": H, "steps_per_s": timed(Online(H, A.B).forward_step)})
print(json.dumps(out))
