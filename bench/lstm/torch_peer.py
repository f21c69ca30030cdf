"""PyTorch CPU peer of the Carousel LSTM bench (run by torch-peer.ts, one process per round).

Same work as the tfjs peer: torch.nn.LSTMCell(X, H) + Linear(H, 1), float32, one thread.
  train:      per step, forward one cell step, loss 1/2 (y - d)^2, backward, SGD step; (h, c)
              carried across steps detached (a 1-step truncated gradient); y read with .item().
  train16:    TBPTT(1,16): per step, the last 16 steps rerun from the state stored 16 steps
              back, backward of the newest step's loss through all 16, SGD step; the state after
              the window's first step is stored (detached) for the next window.
  forward:    one cell step under torch.no_grad(), state carried.
  batch:      one [B, X] cell step under torch.no_grad().
  batchTrain: one [B, X] cell step, summed loss, backward (1-step gradient), SGD step.
  guard:      mean loss of steps 0-99 and 300-399 of 400 train steps at the first H.
Prints one JSON object {"version", "threads", "guard": {...}, "rows": [{"work", "H", "steps_per_s"}]}.
Usage: torch_peer.py --X 8 --H 32,64,128 --B 256 --seconds 0.25 --lr 0.05 [--guard] [--works a,b]
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
P.add_argument("--works", type=str, default="train,train16,forward,batch,batchTrain")
A = P.parse_args()
X = A.X
WINDOW = 16
W = 2 * math.pi / 32
XS = torch.tensor([[math.sin(W * t + 0.5 * k) for k in range(X)] for t in range(1024)], dtype=torch.float32)
DS = torch.tensor([[math.sin(W * (t + 1))] for t in range(1024)], dtype=torch.float32)


class Online:
    def __init__(self, H, B=1):
        torch.manual_seed(7)
        self.cell = torch.nn.LSTMCell(X, H)
        self.head = torch.nn.Linear(H, 1)
        # the batch's loss is summed over B streams: lr / B, as every contender's batch row
        self.opt = torch.optim.SGD(list(self.cell.parameters()) + list(self.head.parameters()), lr=A.lr / B)
        self.h = torch.zeros(B, H)
        self.c = torch.zeros(B, H)
        self.h0 = torch.zeros(1, H)
        self.c0 = torch.zeros(1, H)
        self.B = B
        self.t = 0
        if B > 1:
            self.xb = [torch.stack([XS[(s + b) % 1024] for b in range(B)]) for s in range(64)]
            self.db = [torch.stack([DS[(s + b) % 1024] for b in range(B)]) for s in range(64)]

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

    def learn_window_step(self):
        first = max(0, self.t - WINDOW + 1)
        n = self.t - first + 1
        h, c = self.h0, self.c0
        nxt = None
        for k in range(n):
            i = (first + k) % 1024
            h, c = self.cell(XS[i : i + 1], (h, c))
            if k == 0 and n == WINDOW:
                nxt = (h.detach(), c.detach())
        y = self.head(h)
        i = self.t % 1024
        loss = 0.5 * ((y - DS[i : i + 1]) ** 2).sum()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        y.item()
        if nxt is not None:
            self.h0, self.c0 = nxt
        self.t += 1
        return loss.item()

    def learn_batch_step(self):
        s = self.t % 64
        h, c = self.cell(self.xb[s], (self.h, self.c))
        y = self.head(h)
        loss = 0.5 * ((y - self.db[s]) ** 2).sum()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        y.detach().numpy()
        self.h, self.c = h.detach(), c.detach()
        self.t += 1

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
works = A.works.split(",")
if A.guard:
    net = Online(Hs[0])
    losses = [net.learn_step() for _ in range(400)]
    out["guard"] = {"H": Hs[0], "first": sum(losses[:100]) / 100, "last": sum(losses[300:]) / 100}
    net = Online(Hs[0])
    losses = [net.learn_window_step() for _ in range(400)]
    out["guard16"] = {"H": Hs[0], "first": sum(losses[:100]) / 100, "last": sum(losses[300:]) / 100}
STEP = {
    "train": lambda H: Online(H).learn_step,
    "train16": lambda H: Online(H).learn_window_step,
    "forward": lambda H: Online(H).forward_step,
    "batch": lambda H: Online(H, A.B).forward_step,
    "batchTrain": lambda H: Online(H, A.B).learn_batch_step,
}
for H in Hs:
    for w in works:
        out["rows"].append({"work": w, "H": H, "steps_per_s": timed(STEP[w](H))})
print(json.dumps(out))
