"""The speed anchor for `npm run bench:train`: the seed CNN, built the same way
in PyTorch (Debian's python3-torch), trained on Fashion-MNIST with batch 64 on
the CPU with a fixed thread count. Prints one JSON line with samples/s.

Benchmark only: PyTorch is never a runtime dependency of Convnet Studio.

usage: python3 bench/torch_seed_cnn.py --threads 1 --batches 100 [--warmup 10]
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch
from torch import nn

FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def seed_cnn():
    # Same layers and sizes as the studio's `seed-cnn` template (93,322 parameters).
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    images = read_idx(f"{FASHION}/train-images-idx3-ubyte.gz")
    labels = read_idx(f"{FASHION}/train-labels-idx1-ubyte.gz")
    x_all = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y_all = torch.from_numpy(labels.astype(np.int64))

    model = seed_cnn()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    b = args.batch_size

    def step(i):
        start = (i * b) % (len(x_all) - b)
        x, y = x_all[start:start + b], y_all[start:start + b]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(args.warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(args.batches):
        step(args.warmup + i)
    seconds = time.perf_counter() - t0

    # Inference (forward only), same batch size.
    model.eval()
    with torch.no_grad():
        t1 = time.perf_counter()
        for i in range(args.batches):
            start = (i * b) % (len(x_all) - b)
            model(x_all[start:start + b])
        infer_seconds = time.perf_counter() - t1

    print(json.dumps({
        "framework": f"pytorch {torch.__version__}",
        "threads": args.threads,
        "params": params,
        "batchSize": b,
        "batches": args.batches,
        "trainSamplesPerSecond": args.batches * b / seconds,
        "inferSamplesPerSecond": args.batches * b / infer_seconds,
    }))


if __name__ == "__main__":
    main()
