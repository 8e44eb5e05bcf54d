"""The speed anchor for `npm run bench`: the studio's templates
(engine/graph/templates.ts) built the same way in PyTorch (Debian's
python3-torch), trained on Fashion-MNIST with batch 64 and Adam on the CPU
with a fixed thread count. Prints one JSON line per template.

Same layers, sizes and parameter counts as the templates. Where Keras pads
'same' asymmetrically for a stride of 2, this pads symmetrically: the output
sizes and the work are the same, which is what a speed comparison needs.

Benchmark only: PyTorch is never a runtime dependency of Convnet Studio.

usage: python3 bench/torch_templates.py --threads 1 --batches 60 [--templates seed-cnn,lenet5]
"""
import argparse
import json
import time

import torch
from torch import nn

from torch_seed_cnn import read_idx, seed_cnn, FASHION


def conv_bn(cin, cout, k, stride=1):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)]


class Residual(nn.Module):
    def __init__(self, main, shortcut=None):
        super().__init__()
        self.main = nn.Sequential(*main)
        self.shortcut = nn.Sequential(*shortcut) if shortcut else nn.Identity()

    def forward(self, x):
        return torch.relu(self.main(x) + self.shortcut(x))


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
    )


def vgg_small():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10),
    )


def resnet_small():
    return nn.Sequential(
        *conv_bn(1, 16, 3), nn.ReLU(),
        Residual([*conv_bn(16, 16, 3), nn.ReLU(), *conv_bn(16, 16, 3)]),
        Residual([*conv_bn(16, 32, 3, 2), nn.ReLU(), *conv_bn(32, 32, 3)], conv_bn(16, 32, 1, 2)),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10),
    )


def mobilenet_small():
    def block(cin, cout, stride):
        return [
            nn.Conv2d(cin, cin, 3, stride=stride, padding=1, groups=cin, bias=False), nn.BatchNorm2d(cin, eps=1e-3, momentum=0.01), nn.ReLU6(),
            nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01), nn.ReLU6(),
        ]
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16, eps=1e-3, momentum=0.01), nn.ReLU6(),
        *block(16, 32, 1), *block(32, 64, 2), *block(64, 64, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(64, 10),
    )


def transfer():
    # The seed CNN's convolutions frozen, global average pooling and a trained dense head.
    base = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
    )
    for p in base.parameters():
        p.requires_grad_(False)
    return nn.Sequential(base, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


TEMPLATES = {"seed-cnn": seed_cnn, "lenet5": lenet5, "vgg-small": vgg_small, "resnet-small": resnet_small, "mobilenet-small": mobilenet_small, "transfer": transfer}


def measure(name, build, x_all, y_all, batches, warmup, b):
    torch.manual_seed(0)
    model = build()
    # Trainable parameters, as the template documents them (BatchNorm's running statistics are buffers here).
    trainable = [p for p in model.parameters() if p.requires_grad]
    params = sum(p.numel() for p in trainable)
    opt = torch.optim.Adam(trainable, lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def step(i):
        start = (i * b) % (len(x_all) - b)
        opt.zero_grad()
        loss = loss_fn(model(x_all[start:start + b]), y_all[start:start + b])
        loss.backward()
        opt.step()

    model.train()
    for i in range(warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(batches):
        step(warmup + i)
    train_seconds = time.perf_counter() - t0

    model.eval()
    with torch.no_grad():
        for i in range(warmup):
            model(x_all[i * b:(i + 1) * b])
        t1 = time.perf_counter()
        for i in range(batches):
            start = (i * b) % (len(x_all) - b)
            model(x_all[start:start + b])
        infer_seconds = time.perf_counter() - t1
    return {
        "template": name,
        "framework": f"pytorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "trainableParams": params,
        "batchSize": b,
        "batches": batches,
        "trainSamplesPerSecond": batches * b / train_seconds,
        "inferSamplesPerSecond": batches * b / infer_seconds,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--templates", default=",".join(TEMPLATES))
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    images = read_idx(f"{FASHION}/train-images-idx3-ubyte.gz")
    labels = read_idx(f"{FASHION}/train-labels-idx1-ubyte.gz")
    x_all = torch.from_numpy(images.astype("float32") / 255.0).unsqueeze(1)
    y_all = torch.from_numpy(labels.astype("int64"))
    for name in args.templates.split(","):
        if name not in TEMPLATES:
            print(json.dumps({"template": name, "skipped": f"no PyTorch version of template {name!r} in bench/torch_templates.py"}), flush=True)
            continue
        print(json.dumps(measure(name, TEMPLATES[name], x_all, y_all, args.batches, args.warmup, args.batch_size)), flush=True)


if __name__ == "__main__":
    main()
