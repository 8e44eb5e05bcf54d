"""The accuracy anchor for the portable backend: the seed CNN trained in
PyTorch with the studio's default recipe, to compare with the studio's test
accuracy after the same training (docs/performance.md).

Recipe, as the studio's defaults (engine/project/schema.ts) and Keras's layers:
90% of the training images (a stratified split; the studio holds out 10% for
validation), pixels / 255, batch 64 reshuffled every epoch, Adam(1e-3, 0.9,
0.999, eps 1e-7), sparse categorical cross-entropy, Glorot-uniform weights
and zero biases (Keras's initialisers), 3 epochs; accuracy on the 10,000
test images.

usage: python3 bench/torch_seed_cnn_accuracy.py [--epochs 3] [--seed 42] [--threads 1]
"""
import argparse
import json

import numpy as np
import torch
from torch import nn

from torch_seed_cnn import FASHION, read_idx, seed_cnn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    images = read_idx(f"{FASHION}/train-images-idx3-ubyte.gz")
    labels = read_idx(f"{FASHION}/train-labels-idx1-ubyte.gz").astype(np.int64)
    keep = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[: int(round(np.sum(labels == c) * 0.9))] for c in range(10)])
    x_train = torch.from_numpy(images[keep].astype(np.float32) / 255.0).unsqueeze(1)
    y_train = torch.from_numpy(labels[keep])
    x_test = torch.from_numpy(read_idx(f"{FASHION}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0).unsqueeze(1)
    y_test = torch.from_numpy(read_idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz").astype(np.int64))

    model = seed_cnn()
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        order = torch.from_numpy(rng.permutation(len(x_train)))
        for start in range(0, len(order), 64):
            idx = order[start:start + 64]
            opt.zero_grad()
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        correct = sum((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item() for i in range(0, len(x_test), 1000))
    print(json.dumps({"framework": f"pytorch {torch.__version__}", "epochs": args.epochs, "trainImages": len(x_train), "testAccuracy": correct / len(x_test)}))


if __name__ == "__main__":
    main()
