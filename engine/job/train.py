#!/usr/bin/env python3
"""Trains a Convnet Studio project in plain PyTorch, on one process or under torchrun.

Written by `convnet-studio job`. Everything about the recipe (classes, input
shape, preprocessing, augmentation, split, optimizer, schedule, loss, epochs,
batch size, early stopping, seed) is read from job.json beside this file; the
network is model.py beside it. The run folder it writes is a studio run folder
(run.json, metrics.jsonl, split.json, checkpoints/epoch-NNN/, model/), so
`convnet-studio evaluate|predict|export` and the window read it as their own.

    python3 train.py --data DIR --out RUN_DIR
    torchrun --standalone --nproc_per_node=N train.py --data DIR --out RUN_DIR

Where the studio's own code decides something (the split, the shuffle order,
the resize filter, the normalisation), this file ports that code, so the same
data gives the same split, batches and pixels.
"""
import argparse
import datetime
import gc
import importlib.util
import json
import math
import os
import secrets
import shutil
import struct
import sys
import time
import warnings

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
JOB_FILE = os.path.join(HERE, "job.json")
STATE_FILE = "state.pt"
EPSILON = 1e-7  # TensorFlow.js' float32 epsilon: the losses clip probabilities to [eps, 1 - eps]
# DDP notes that the gradient of a 1-channel convolution has channels-last strides; harmless, and said once per rank.
warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")


class JobError(Exception):
    """A mistake the person can fix; printed as one line, before any work where possible."""


# ---------------------------------------------------------------- the studio's seeded randomness (engine/data/random.ts)

M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


def seed_to_uint32(seed):
    whole = int(seed)
    return ((whole & M32) ^ ((whole >> 32) & M32)) & M32


def mix32(*values):
    h = 0x9E3779B9
    for value in values:
        h = imul(h ^ (value & M32), 0x85EBCA6B)
        h ^= h >> 13
        h = imul(h, 0xC2B2AE35)
        h ^= h >> 16
    return h


def hash_string(text, seed):
    """MurmurHash3 over UTF-16 code units, as the studio hashes relative paths for the split."""
    units = text.encode("utf-16-le")
    codes = struct.unpack("<%dH" % (len(units) // 2), units)
    h = seed & M32
    for code in codes:
        k = imul(code, 0xCC9E2D51)
        k = ((k << 15) | (k >> 17)) & M32
        h ^= imul(k, 0x1B873593)
        h = ((h << 13) | (h >> 19)) & M32
        h = (imul(h, 5) + 0xE6546B64) & M32
    h ^= len(codes)
    h ^= h >> 16
    h = imul(h, 0x85EBCA6B)
    h ^= h >> 13
    h = imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h


class Mulberry32:
    def __init__(self, seed):
        self.state = seed & M32

    def __call__(self):
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296


def shuffled_order(count, seed, epoch):
    """The studio's epoch order (engine/data/batches.ts shuffledOrder): Fisher-Yates with mulberry32."""
    order = list(range(count))
    random = Mulberry32(mix32(seed_to_uint32(seed), epoch & M32))
    for i in range(count - 1, 0, -1):
        j = int(random() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


# ---------------------------------------------------------------- data: layouts and split (engine/data/scan.ts, split.ts)

SPLIT_FOLDER_NAMES = {"train": ("train", "training"), "val": ("val", "valid", "validation"), "test": ("test", "testing")}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".gif", ".tif", ".tiff"}


def _entries(folder):
    return sorted(name for name in os.listdir(folder) if not name.startswith("."))


def _images_below(folder, skipped):
    found = []
    for current, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = os.path.join(current, name)
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
                found.append(path)
            else:
                skipped.append({"path": path, "reason": "not an image file (by its extension)"})
    return sorted(found)


def scan_image_folder(root):
    """Class names and the images of each split folder, ordered as the studio orders them (class, then path)."""
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise JobError(f"data folder {root} does not exist" if not os.path.exists(root) else f"{root} is a file, not a folder of images")
    top = _entries(root)
    split_folders = {}
    for split, names in SPLIT_FOLDER_NAMES.items():
        matches = [n for n in top if os.path.isdir(os.path.join(root, n)) and n.lower() in names]
        if len(matches) > 1:
            raise JobError(f"data folder {root} has more than one {split} folder: {', '.join(matches)}")
        split_folders[split] = os.path.join(root, matches[0]) if matches else None
    skipped = []
    found = {"train": {}, "val": {}, "test": {}}
    if any(split_folders.values()):
        layout = "split-folders"
        if split_folders["train"] is None:
            raise JobError(f"data folder {root} has split folders but no train/ folder")
        for split, folder in split_folders.items():
            if folder is None:
                continue
            for name in _entries(folder):
                if os.path.isdir(os.path.join(folder, name)):
                    found[split][name] = _images_below(os.path.join(folder, name), skipped)
    else:
        layout = "class-folders"
        for name in top:
            if os.path.isdir(os.path.join(root, name)):
                found["train"][name] = _images_below(os.path.join(root, name), skipped)
    names = set()
    for split in found.values():
        names.update(n for n, files in split.items() if files)
    class_names = sorted(names, key=lambda n: n.encode("utf-16-be"))
    if len(class_names) < 2:
        raise JobError(f"data folder {root} has images of {len(class_names)} class{'es' if len(class_names) != 1 else ''}; a classifier needs at least two class sub-folders")
    images = {}
    for split in found:
        items = []
        for index, name in enumerate(class_names):
            for path in found[split].get(name, []):
                items.append((path, os.path.relpath(path, root).replace(os.sep, "/"), index))
        images[split] = items
    given = {"val": split_folders["val"] is not None, "test": split_folders["test"] is not None}
    layout_words = "one folder per class" if layout == "class-folders" else ", ".join(f"{s}/" for s in ("train", "val", "test") if split_folders[s]) + " folders of class folders"
    return {"root": root, "layout": layout_words, "class_names": class_names, "images": images, "given": given, "skipped": skipped}


def _validation_count(count, fraction):
    if fraction == 0 or count < 2:
        return 0
    return min(count - 1, max(1, _round_half_up(count * fraction)))


def _test_count(count, validation, fraction):
    left = count - validation
    if fraction == 0 or left < 2:
        return 0
    return min(left - 1, max(1, _round_half_up(count * fraction)))


def _round_half_up(value):
    return int(math.floor(value + 0.5))


def stratified_split(items, validation_fraction, test_fraction, seed):
    """The studio's split (engine/data/split.ts stratifiedSplit3): per class, the lowest seeded path hashes are held out."""
    seed32 = seed_to_uint32(seed)
    by_class = {}
    for position, item in enumerate(items):
        by_class.setdefault(item[2], []).append((hash_string(item[1], seed32), item[1].encode("utf-16-be"), position))
    destination = {}
    for members in by_class.values():
        members.sort()
        validation = _validation_count(len(members), validation_fraction)
        test = _test_count(len(members), validation, test_fraction)
        for i in range(validation + test):
            destination[members[i][2]] = "validation" if i < validation else "test"
    return (
        [item for p, item in enumerate(items) if p not in destination],
        [item for p, item in enumerate(items) if destination.get(p) == "validation"],
        [item for p, item in enumerate(items) if destination.get(p) == "test"],
    )


def assign_splits(scan, data):
    """Split folders the data gives are kept; the others are held out of train (engine/data/source.ts assignSplits)."""
    images, given = scan["images"], scan["given"]
    train, validation, test = stratified_split(
        images["train"], 0 if given["val"] else data["validationSplit"], 0 if given["test"] else data["testSplit"], data["seed"]
    )
    validation = images["val"] if given["val"] else validation
    test = images["test"] if given["test"] else test
    origin = lambda g, items: "given" if g else ("held-out" if items else "none")
    return train, validation, test, {"validation": origin(given["val"], validation), "test": origin(given["test"], test)}


def splits_from_record(path, scan):
    """A studio run's split.json: exactly its images, by path below the data folder."""
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except (OSError, ValueError) as e:
        raise JobError(f"cannot read the split record {path} ({e})")
    if record.get("format") != "convnet-studio.split":
        raise JobError(f"{path} is not a studio split record (split.json of a run folder)")
    if record["classNames"] != scan["class_names"]:
        raise JobError(f"{path} lists classes {record['classNames']}, the data folder has {scan['class_names']}")
    root = scan["root"]

    def items(rows):
        out = []
        for relative, label in rows:
            full = os.path.join(root, *relative.split("/"))
            if not os.path.isfile(full):
                raise JobError(f"{path} lists {relative}, which is not in {root}")
            out.append((full, relative, int(label)))
        return out

    origin = record.get("origin", {"validation": "held-out", "test": "held-out"})
    return items(record["train"]), items(record["validation"]), items(record["test"]), origin


# ---------------------------------------------------------------- decoding and resizing (engine/data/decode.ts, resample.ts)


def decode_image(path, height, width, channels, resize):
    """The image as uint8 [height, width, channels]: EXIF rotation, alpha onto black, grey or RGB, fitted as the studio fits it."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image.load()
        image = ImageOps.exif_transpose(image)
        pixels = _pixels_with_alpha_flattened(image)
    if pixels.shape[2] != channels:
        if channels == 3:
            pixels = np.repeat(pixels, 3, axis=2)
        else:
            rgb = pixels.astype(np.int64)
            pixels = ((299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2] + 500) // 1000).astype(np.uint8)[..., None]
    return fit_image(pixels, height, width, resize)


def _pixels_with_alpha_flattened(image):
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        grey = np.asarray(image, dtype=np.int64)
        return (np.clip(grey, 0, 65535) >> 8).astype(np.uint8)[..., None]
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode in ("1", "F"):
        image = image.convert("L")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in mode else "RGB")
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 2:
        array = array[..., None]
    if image.mode in ("LA", "RGBA"):
        colour = array[..., :-1].astype(np.int64)
        alpha = array[..., -1:].astype(np.int64)
        # Math.round(v * a / 255), in integers.
        array = ((2 * colour * alpha + 255) // 510).astype(np.uint8)
    return array


def fit_plan(source_width, source_height, width, height, mode):
    if mode == "stretch":
        return (0.0, 0.0, float(source_width), float(source_height)), (0, 0, width, height)
    if mode == "center-crop":
        scale = max(width / source_width, height / source_height)
        crop_width, crop_height = width / scale, height / scale
        return ((source_width - crop_width) / 2, (source_height - crop_height) / 2, crop_width, crop_height), (0, 0, width, height)
    scale = min(width / source_width, height / source_height)
    inner_width = max(1, min(width, _round_half_up(source_width * scale)))
    inner_height = max(1, min(height, _round_half_up(source_height * scale)))
    return (0.0, 0.0, float(source_width), float(source_height)), ((width - inner_width) // 2, (height - inner_height) // 2, inner_width, inner_height)


_TAPS = {}


def axis_taps(source_length, start, extent, out_length):
    """The studio's triangle filter along one axis (resample.ts axisTaps): per output sample its first source index and float32 weights."""
    key = (source_length, start, extent, out_length)
    if key in _TAPS:
        return _TAPS[key]
    scale = extent / out_length
    filter_scale = max(1.0, scale)
    support = filter_scale
    stride = math.ceil(support) * 2 + 1
    first = np.zeros(out_length, dtype=np.int64)
    weights = np.zeros((out_length, stride), dtype=np.float64)
    for i in range(out_length):
        centre = start + (i + 0.5) * scale
        lo = max(0, math.floor(centre - support))
        hi = min(source_length, math.ceil(centre + support))
        raw, total = [], 0.0
        for j in range(lo, hi):
            if len(raw) >= stride:
                break
            w = max(0.0, 1 - abs((j + 0.5 - centre) / filter_scale))
            raw.append(np.float32(w))
            total += w
        if total == 0:
            first[i] = min(source_length - 1, max(0, math.floor(centre)))
            weights[i, 0] = 1.0
            continue
        skip = 0
        while skip < len(raw) - 1 and raw[skip] == 0:
            skip += 1
        first[i] = lo + skip
        for k, w in enumerate(raw[skip:]):
            weights[i, k] = float(np.float32(float(w) / total))
    _TAPS[key] = (first, weights)
    return first, weights


def fit_image(pixels, height, width, mode):
    """resample.ts fitImageInto: the same taps, summed in the same order in doubles, float32 between the passes."""
    source_height, source_width, channels = pixels.shape
    (sx, sy, sw, sh), (tx, ty, tw, th) = fit_plan(source_width, source_height, width, height, mode)
    if sx == 0 and sy == 0 and sw == width and sh == height and tw == width and th == height:
        return np.ascontiguousarray(pixels)
    x_first, x_weights = axis_taps(source_width, sx, sw, tw)
    y_first, y_weights = axis_taps(source_height, sy, sh, th)
    data = pixels.astype(np.float64)
    horizontal = np.zeros((source_height, tw, channels), dtype=np.float64)
    for k in range(x_weights.shape[1]):
        index = np.minimum(x_first + k, source_width - 1)
        horizontal += data[:, index, :] * x_weights[:, k][None, :, None]
    horizontal = horizontal.astype(np.float32).astype(np.float64)
    total = np.zeros((th, tw, channels), dtype=np.float64)
    for k in range(y_weights.shape[1]):
        index = np.minimum(y_first + k, source_height - 1)
        total += horizontal[index, :, :] * y_weights[:, k][:, None, None]
    inner = np.where(total <= 0, 0, np.where(total >= 255, 255, np.floor(total + 0.5))).astype(np.uint8)
    out = np.zeros((height, width, channels), dtype=np.uint8)
    out[ty : ty + th, tx : tx + tw] = inner
    return out


def _decode_task(task):
    path, shape, resize = task
    try:
        return decode_image(path, *shape, resize), None
    except Exception as e:  # a broken file is skipped and reported, as in the studio
        return None, f"cannot be decoded: {str(e).splitlines()[0] if str(e) else type(e).__name__}"


def decode_all(items, shape, resize, workers):
    tasks = [(path, shape, resize) for path, _, _ in items]
    if workers > 1 and len(tasks) > 64:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            return pool.map(_decode_task, tasks, chunksize=64)
    return [_decode_task(task) for task in tasks]


class ImageSplit(Dataset):
    """The decoded images of one split, held as uint8 in memory, or decoded per item when past the budget."""

    def __init__(self, items, shape, resize, pixels=None):
        self.items = items
        self.shape = shape
        self.resize = resize
        self.pixels = pixels
        self.labels = torch.tensor([label for _, _, label in items], dtype=torch.int64)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        weight = 1.0
        if index < 0:  # padding of a rank's share (see StudioBatchSampler): present, but weighs nothing
            index, weight = -index - 1, 0.0
        image = self.pixels[index] if self.pixels is not None else decode_image(self.items[index][0], *self.shape, self.resize)
        return torch.from_numpy(np.ascontiguousarray(image)), self.labels[index], index, weight


class StudioBatchSampler(DistributedSampler):
    """A DistributedSampler over the studio's epoch order whose batches are this rank's share of each global batch.

    The global batch keeps the project's size whatever the world size: rank r takes the
    r-th of W equal parts of it, so one process and W processes see the same batches.
    """

    def __init__(self, dataset, global_batch, seed, world, rank, shuffle):
        super().__init__(dataset, num_replicas=world, rank=rank, shuffle=shuffle, seed=seed, drop_last=False)
        self.global_batch = global_batch

    def global_batches(self):
        n = len(self.dataset)
        order = shuffled_order(n, self.seed, self.epoch) if self.shuffle else list(range(n))
        for start in range(0, n, self.global_batch):
            yield order[start : start + self.global_batch]

    def __iter__(self):
        for batch in self.global_batches():
            parts = np.array_split(np.asarray(batch), self.num_replicas)
            mine = [int(i) for i in parts[self.rank]]
            yield mine if mine else [-batch[0] - 1]

    def __len__(self):
        return math.ceil(len(self.dataset) / self.global_batch)


# ---------------------------------------------------------------- augmentation (engine/data/augment.ts)


def draw_image(random, a, height, width):
    between = lambda amount: (random() * 2 - 1) * amount
    flip_x = -1 if a["horizontalFlip"] and random() < 0.5 else 1
    flip_y = -1 if a["verticalFlip"] and random() < 0.5 else 1
    angle = between(a["rotation"]) * math.pi / 180
    scale = 1 + between(a["zoom"])
    shift_x = between(a["translation"]) * width
    shift_y = between(a["translation"]) * height
    crop_side = a["crop"] + random() * (1 - a["crop"]) if a["crop"] > 0 else 1
    crop_x = (random() * 2 - 1) * ((1 - crop_side) / 2) * width
    crop_y = (random() * 2 - 1) * ((1 - crop_side) / 2) * height
    cx, cy = (width - 1) / 2, (height - 1) / 2
    cos, sin = math.cos(angle), math.sin(angle)
    k = crop_side / scale
    ax, ay = flip_x * cos * k, -flip_x * sin * k
    bx, by = flip_y * sin * k, flip_y * cos * k
    ux, uy = -cx - shift_x, -cy - shift_y
    transform = [ax, ay, ax * ux + ay * uy + cx + crop_x, bx, by, bx * ux + by * uy + cy + crop_y]
    return {
        "transform": transform,
        "brightness": between(a["brightness"]),
        "contrast": 1 + between(a["contrast"]),
        "saturation": 1 + between(a["saturation"]),
        "cutout": (random() * height, random() * width) if a["cutout"] > 0 else None,
        "noise_seed": int(random() * 2**31),
    }


def augment(x, a, seeds):
    """x: float [n, h, w, c] in [0, 1]; one draw per image, seeded by the data seed, the epoch and the image."""
    n, h, w, c = x.shape
    draws = [draw_image(Mulberry32(seed), a, h, w) for seed in seeds]
    per_image = lambda values: torch.tensor(values, dtype=x.dtype, device=x.device).view(n, 1, 1, 1)
    identity = [1, 0, 0, 0, 1, 0]
    if any(max(abs(t - i) for t, i in zip(d["transform"], identity)) > 1e-9 for d in draws):
        t = torch.tensor([d["transform"] for d in draws], dtype=torch.float64, device=x.device)
        rows = torch.arange(h, dtype=torch.float64, device=x.device).view(1, h, 1)
        cols = torch.arange(w, dtype=torch.float64, device=x.device).view(1, 1, w)
        source_x = t[:, 0, None, None] * cols + t[:, 1, None, None] * rows + t[:, 2, None, None]
        source_y = t[:, 3, None, None] * cols + t[:, 4, None, None] * rows + t[:, 5, None, None]
        grid = torch.stack([2 * source_x / max(w - 1, 1) - 1, 2 * source_y / max(h - 1, 1) - 1], dim=-1).to(x.dtype)
        x = F.grid_sample(x.permute(0, 3, 1, 2), grid, mode="bilinear", padding_mode="zeros", align_corners=True).permute(0, 2, 3, 1)
    if a["brightness"] > 0:
        x = x + per_image([d["brightness"] for d in draws])
    if a["contrast"] > 0:
        mean = x.mean(dim=(1, 2), keepdim=True)
        x = (x - mean) * per_image([d["contrast"] for d in draws]) + mean
    if a["saturation"] > 0 and c == 3:
        grey = (x * torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype, device=x.device)).sum(dim=3, keepdim=True)
        x = grey + (x - grey) * per_image([d["saturation"] for d in draws])
    if a["noise"] > 0:
        noise = []
        for d in draws:
            generator = torch.Generator().manual_seed(d["noise_seed"])
            noise.append(torch.randn((h, w, c), generator=generator) * a["noise"])
        x = x + torch.stack(noise).to(device=x.device, dtype=x.dtype)
    if a["cutout"] > 0:
        half_h = max(1, _round_half_up(a["cutout"] * h)) / 2
        half_w = max(1, _round_half_up(a["cutout"] * w)) / 2
        rows = torch.arange(h, dtype=x.dtype, device=x.device).view(1, h, 1, 1) + 0.5
        cols = torch.arange(w, dtype=x.dtype, device=x.device).view(1, 1, w, 1) + 0.5
        inside = ((rows - per_image([d["cutout"][0] for d in draws])).abs() < half_h) & ((cols - per_image([d["cutout"][1] for d in draws])).abs() < half_w)
        x = x * (~inside).to(x.dtype)
    return x.clamp(0, 1)


def has_augmentation(a):
    return any(value not in (0, False) for value in a.values())


class Inputs:
    """uint8 HWC batches to the network's normalised NCHW float32, as the studio's batches.ts makes them."""

    def __init__(self, normalization, augmentation, data_seed, device):
        self.mean = torch.tensor(normalization["mean"], dtype=torch.float64, device=device)
        self.std = torch.tensor(normalization["std"], dtype=torch.float64, device=device)
        self.mode = normalization["mode"]
        self.augmentation = augmentation if has_augmentation(augmentation) else None
        self.seed32 = seed_to_uint32(data_seed)

    def __call__(self, images, indices=None, epoch=None):
        if self.augmentation is None or epoch is None:
            # (value / 255 - mean) / std as one multiply-add per byte in float32 constants, computed in double, stored float32.
            scale = (1 / (255 * self.std)).float().double()
            offset = (-self.mean / self.std).float().double()
            x = (images.double() * scale + offset).float()
        else:
            x = (images.double() * float(np.float32(1 / 255))).float()
            x = augment(x, self.augmentation, [mix32(self.seed32, epoch, int(i)) for i in indices])
            if self.mode != "zero-one":
                x = (x - self.mean.float()) / self.std.float()
        return x.permute(0, 3, 1, 2).contiguous()


def measure_normalization(mode, channels, train_pixels):
    """engine/data/normalization.ts: per-channel mean and std of the training split, rounded to six decimals."""
    if mode == "zero-one":
        return {"mode": mode, "mean": [0] * channels, "std": [1] * channels}
    if mode == "minus-one-one":
        return {"mode": mode, "mean": [0.5] * channels, "std": [0.5] * channels}
    total = np.zeros(channels, dtype=np.float64)
    squares = np.zeros(channels, dtype=np.float64)
    count = 0
    for pixels in train_pixels:
        values = pixels.reshape(-1, channels).astype(np.float64)
        total += values.sum(axis=0)
        squares += (values * values).sum(axis=0)
        count += values.shape[0]
    if count == 0:
        raise JobError("mean/std normalisation needs training images to measure, and there are none")
    round6 = lambda v: math.floor(v * 1e6 + 0.5) / 1e6
    mean, std = [], []
    for k in range(channels):
        m = total[k] / count / 255
        variance = squares[k] / count / 255**2 - m * m
        mean.append(round6(m))
        std.append(round6(math.sqrt(variance) if variance > 1e-12 else 1))
    return {"mode": mode, "mean": mean, "std": std}


# ---------------------------------------------------------------- the model and its weights in the studio's format


def load_model_module():
    spec = importlib.util.spec_from_file_location("convnet_studio_job_model", os.path.join(HERE, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class StudioWeights:
    """Which element of which PyTorch tensor each Keras-layout weight element becomes, found by running model.py's own loader.

    Every element of every Keras array gets a distinct id (in float64, exact); after
    load_keras_weights the ids sit where the export put them. Reading them back is the
    inverse of the export for any layer it knows, without restating its layouts here.
    """

    def __init__(self, module, job):
        self.job = job
        model = getattr(module, job["model"]["className"])().double()
        arrays, offset = {}, 0
        for w in job["weights"]:
            size = int(np.prod(w["shape"])) if w["shape"] else 1
            arrays[w["key"]] = (np.arange(size, dtype=np.float64) + offset + 1).reshape(w["shape"])
            offset += size
        original = module.read_weights
        module.read_weights = lambda path: arrays
        try:
            model.load_keras_weights(None)
        finally:
            module.read_weights = original
        self.places = {}
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            flat = tensor.detach().flatten().numpy()
            if flat.size == 0 or flat[0] < 1:
                continue
            self.places[name] = flat.astype(np.int64) - 1
        self.sources = {}
        starts, offset = {}, 0
        for w in job["weights"]:
            size = int(np.prod(w["shape"])) if w["shape"] else 1
            starts[w["key"]] = (offset, size)
            offset += size
        for name, ids in self.places.items():
            for key, (start, size) in starts.items():
                if start <= ids[0] < start + size:
                    self.sources[key] = (name, np.argsort(ids - start))
                    break
        missing = [w["key"] for w in job["weights"] if w["key"] not in self.sources]
        if missing:
            raise JobError(f"model.py does not load the weight {missing[0]}; make the job again with convnet-studio job")

    def frozen_tensors(self):
        """PyTorch tensor names whose Keras weight is not trainable (a frozen node's)."""
        return {self.sources[w["key"]][0] for w in self.job["weights"] if not w["trainable"]}

    def regularized(self):
        """(tensor name, l1, l2) for each Keras kernel regularizer."""
        return [(self.sources[w["key"]][0], w["regularizer"]["l1"], w["regularizer"]["l2"]) for w in self.job["weights"] if w.get("regularizer")]

    def keras_arrays(self, state):
        out = {}
        for w in self.job["weights"]:
            name, order = self.sources[w["key"]]
            flat = state[name].detach().cpu().float().flatten().numpy()
            out[w["key"]] = flat[order].reshape(w["shape"]).astype("<f4")
        return out


def write_studio_model(folder, studio_model, weights, job, state, metadata, with_pytorch=False):
    """model.json + weights.bin in the studio's layers format (and pytorch.pt, the state_dict, when asked), written whole or not at all."""
    arrays = weights.keras_arrays(state)
    key_of = {w["name"]: w["key"] for w in job["weights"]}
    manifest = studio_model["weightsManifest"][0]["weights"]
    data = b"".join(arrays[key_of[spec["name"]]].tobytes() for spec in manifest)
    model_json = {
        "format": "layers-model",
        "generatedBy": studio_model.get("generatedBy"),
        "convertedBy": "Convnet Studio (train.py, PyTorch %s)" % torch.__version__,
        "modelTopology": studio_model["modelTopology"],
        "weightsManifest": [{"paths": ["weights.bin"], "weights": manifest}],
        "userDefinedMetadata": metadata,
    }
    files = {"model.json": json.dumps(model_json).encode("utf-8"), "weights.bin": data}
    if with_pytorch:
        files["pytorch.pt"] = None
    write_folder_atomic(folder, files, state)


def write_folder_atomic(folder, files, state=None):
    parent = os.path.dirname(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    temp = os.path.join(parent, ".%s.%s.tmp" % (os.path.basename(folder), secrets.token_hex(4)))
    os.makedirs(temp)
    try:
        for name, data in files.items():
            path = os.path.join(temp, name)
            if data is None:
                torch.save({k: v.detach().cpu() for k, v in state.items()}, path)
                continue
            with open(path, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        old = temp + ".old"
        had_old = os.path.exists(folder)
        if had_old:
            os.rename(folder, old)
        os.rename(temp, folder)
        if had_old:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def write_file_atomic(path, data):
    temp = "%s.%s.tmp" % (path, secrets.token_hex(4))
    with open(temp, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)


# ---------------------------------------------------------------- the studio's training rules (engine/train/*.ts)


class ImprovementMonitor:
    def __init__(self, metric, min_delta=0.0):
        self.metric, self.min_delta = metric, min_delta
        self.best, self.best_epoch, self.epochs_without_improvement = None, None, 0

    def update(self, value, epoch):
        lower = self.metric == "valLoss"
        improved = self.best is None or (value < self.best - self.min_delta if lower else value > self.best + self.min_delta)
        if improved:
            self.best, self.best_epoch, self.epochs_without_improvement = value, epoch, 0
        else:
            self.epochs_without_improvement += 1
        return improved


class LearningRateSchedule:
    def __init__(self, settings, base_rate, total_epochs):
        self.s, self.base, self.total = settings, base_rate, total_epochs
        self.plateau_rate = base_rate
        self.plateau = ImprovementMonitor(settings["monitor"]) if settings["type"] == "reduce-on-plateau" else None

    def rate_for_epoch(self, epoch):
        s, e = self.s, epoch - 1
        if s["type"] == "constant":
            return self.base
        if s["type"] == "step":
            return self.base * s["gamma"] ** (e // s["stepSize"])
        if s["type"] == "exponential":
            return self.base * s["gamma"] ** e
        if s["type"] == "cosine":
            progress = 0 if self.total <= 1 else e / (self.total - 1)
            return s["minLearningRate"] + 0.5 * (self.base - s["minLearningRate"]) * (1 + math.cos(math.pi * progress))
        return self.plateau_rate

    def observe(self, result, epoch):
        if self.plateau is None:
            return
        value = (result["valLoss"] if result["valLoss"] is not None else result["loss"]) if self.s["monitor"] == "valLoss" else result["valAccuracy"]
        if value is None:
            return
        self.plateau.update(value, epoch)
        if self.plateau.epochs_without_improvement >= self.s["patience"]:
            self.plateau_rate = max(self.s["minLearningRate"], self.plateau_rate * self.s["factor"])
            self.plateau.epochs_without_improvement = 0


def make_optimizer(params, o):
    """The studio's optimizers (engine/train/optimizers.ts) in torch.optim; README says where the formulas differ."""
    if o["type"] == "sgd":
        return torch.optim.SGD(params, lr=o["learningRate"], momentum=o["momentum"], nesterov=bool(o["nesterov"]) and o["momentum"] > 0)
    if o["type"] == "adam":
        return torch.optim.Adam(params, lr=o["learningRate"], betas=(o["beta1"], o["beta2"]), eps=o["epsilon"])
    if o["type"] == "rmsprop":
        return torch.optim.RMSprop(params, lr=o["learningRate"], alpha=o["rho"], momentum=o["momentum"], eps=o["epsilon"])
    if o["type"] == "adagrad":
        return torch.optim.Adagrad(params, lr=o["learningRate"], initial_accumulator_value=o["initialAccumulatorValue"])
    raise JobError(f"job.json: training.optimizer.type {o['type']!r} is not one the job knows")


def per_sample_loss(p, y, loss):
    """Keras' losses on probabilities, as TensorFlow.js computes them (clipped to [eps, 1 - eps])."""
    if loss == "binary-crossentropy":
        p = p.reshape(-1).clamp(EPSILON, 1 - EPSILON)
        t = y.to(p.dtype)
        return -(t * torch.log(p) + (1 - t) * torch.log(1 - p))
    p = p / p.sum(dim=-1, keepdim=True)
    p = p.clamp(EPSILON, 1 - EPSILON)
    return -torch.log(p.gather(1, y.view(-1, 1))).view(-1)


def correct(p, y, loss):
    if loss == "binary-crossentropy":
        return ((p.reshape(-1) > 0.5).long() == y).to(p.dtype)
    return (p.argmax(dim=-1) == y).to(p.dtype)


# ---------------------------------------------------------------- the run


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Train a Convnet Studio project (job.json + model.py) with PyTorch; run under torchrun for DDP.")
    parser.add_argument("--data", required=True, help="image folder: DIR/<class>/… or DIR/train|val|test/<class>/…")
    parser.add_argument("--out", help="the run folder (default runs/<run id> in the current folder)")
    parser.add_argument("--epochs", type=int, help="override job.json's epochs")
    parser.add_argument("--batch-size", type=int, help="override job.json's (global) batch size")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    parser.add_argument("--device", choices=["cpu", "cuda"], help="default: cuda when available")
    parser.add_argument("--split", help="a studio run's split.json: train on exactly that split")
    parser.add_argument("--workers", type=int, default=0, help="image decoding processes per rank (default 0: in the training process)")
    parser.add_argument("--cache-mb", type=int, default=4096, help="decoded images kept in memory up to this size; past it they are decoded per batch")
    return parser.parse_args(argv)


def new_run_id():
    now = datetime.datetime.now(datetime.timezone.utc)
    return "run-%s-%s" % (now.strftime("%Y%m%d-%H%M%S"), secrets.token_hex(2))


class Run:
    def __init__(self, args):
        self.args = args
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.main = self.rank == 0

    def say(self, text):
        if self.main:
            print(text, flush=True)

    def log(self, event):
        if self.main:
            with open(os.path.join(self.out, "metrics.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps({"time": _now(), **event}) + "\n")

    # -- checks before any work: one line each

    def check(self):
        args = self.args
        try:
            with open(JOB_FILE, encoding="utf-8") as f:
                self.job = json.load(f)
        except (OSError, ValueError) as e:
            raise JobError(f"cannot read {JOB_FILE} ({e}); run train.py from the folder convnet-studio job wrote")
        if self.job.get("format") != "convnet-studio.job":
            raise JobError(f"{JOB_FILE} is not a Convnet Studio job")
        data_dir = os.path.abspath(args.data)
        if not os.path.exists(data_dir):
            raise JobError(f"data folder {data_dir} does not exist")
        if not os.path.isdir(data_dir):
            raise JobError(f"--data {data_dir} is a file, not a folder of images")
        if args.device == "cuda" and not torch.cuda.is_available():
            raise JobError("--device cuda was asked for, but this PyTorch sees no CUDA device (torch.cuda.is_available() is False); use --device cpu")
        self.device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        t = dict(self.job["training"])
        if args.epochs is not None:
            t["epochs"] = args.epochs
        if args.batch_size is not None:
            t["batchSize"] = args.batch_size
        if t["epochs"] < 1 or t["batchSize"] < 1:
            raise JobError("--epochs and --batch-size must be at least 1")
        self.settings = t
        self.scan = scan_image_folder(data_dir)
        expected = self.job.get("classNames")
        found = self.scan["class_names"]
        if expected is not None and found != expected:
            missing = [c for c in expected if c not in found]
            extra = [c for c in found if c not in expected]
            detail = "; ".join(part for part in (f"missing {missing}" if missing else "", f"not in the project {extra}" if extra else "") if part) or "in another order"
            raise JobError(f"the classes of {data_dir} differ from the project's ({detail}); the project has {expected}")
        units = self.job["outputUnits"]
        if expected is None and units != (1 if t["loss"] == "binary-crossentropy" else len(found)):
            raise JobError(f"{data_dir} has {len(found)} classes {found}, the network's output has {units} units")
        self.out = os.path.abspath(args.out or os.path.join("runs", new_run_id()))
        if args.resume and not os.path.isfile(os.path.join(self.out, "checkpoints", STATE_FILE)):
            raise JobError(f"--resume: {self.out} has no checkpoint (checkpoints/{STATE_FILE}) to resume from")
        if not args.resume and os.path.exists(os.path.join(self.out, "metrics.jsonl")):
            raise JobError(f"{self.out} already holds a run; pass --resume to continue it, or choose another --out")
        if t["batchSize"] % self.world != 0 and t["batchSize"] >= self.world:
            raise JobError(f"the global batch {t['batchSize']} does not split evenly over {self.world} processes; choose --batch-size as a multiple of {self.world}")

    # -- setting up: process group, data, model

    def setup(self):
        if self.world > 1:
            backend = "nccl" if self.device.type == "cuda" else "gloo"
            if self.device.type == "cuda":
                torch.cuda.set_device(self.local_rank)
            dist.init_process_group(backend=backend)
        if self.device.type == "cuda":
            self.device = torch.device("cuda", self.local_rank)
        job, args = self.job, self.args
        inp = job["input"]
        self.shape = (inp["height"], inp["width"], inp["channels"])
        data = job["data"]
        resize = data["preprocessing"]["resize"]
        if args.split:
            train, validation, test, origin = splits_from_record(args.split, self.scan)
        else:
            train, validation, test, origin = assign_splits(self.scan, data)
        self.origin = origin
        image_bytes = int(np.prod(self.shape))
        total_bytes = (len(train) + len(validation) + len(test)) * image_bytes
        self.in_memory = total_bytes <= args.cache_mb * 2**20
        self.say(f"Decoding {len(train) + len(validation) + len(test)} images ({'kept in memory' if self.in_memory else 'checked, then decoded per batch'})…")
        self.skipped = list(self.scan["skipped"])
        splits = []
        for items in (train, validation, test):
            decoded = decode_all(items, self.shape, resize, args.workers)
            kept = [(item, pixels) for item, (pixels, _) in zip(items, decoded) if pixels is not None]
            self.skipped += [{"path": item[0], "reason": reason} for item, (_, reason) in zip(items, decoded) if reason is not None]
            pixels = np.stack([p for _, p in kept]) if kept and self.in_memory else None
            splits.append((ImageSplit([i for i, _ in kept], self.shape, resize, pixels), [p for _, p in kept] if not self.in_memory else None))
        (self.train, train_list), (self.validation, _), (self.test, _) = splits
        if len(self.train) == 0:
            raise JobError(f"none of the training images of {self.scan['root']} could be decoded")
        mode = data["preprocessing"]["normalization"]
        train_pixels = self.train.pixels if self.in_memory else train_list
        self.normalization = measure_normalization(mode, self.shape[2], train_pixels)
        self.loading = {"mode": "memory" if self.in_memory else "stream", "datasetBytes": total_bytes, "budgetBytes": args.cache_mb * 2**20}
        self.inputs = Inputs(self.normalization, data["augmentation"], data["seed"], self.device)

        torch.manual_seed(self.settings["seed"])
        self.module = load_model_module()
        self.weights = StudioWeights(self.module, job)
        self.model = self.module.load_model(os.path.join(HERE, job["model"]["weights"])).to(self.device)
        frozen = self.weights.frozen_tensors()
        params = []
        for name, parameter in self.model.named_parameters():
            if name in frozen:
                parameter.requires_grad_(False)
            elif parameter.requires_grad:
                params.append(parameter)
        # A frozen BatchNormalization runs in inference mode, as in the studio (engine/graph/tfjs/build.ts).
        self.frozen_modules = [m for n, m in self.model.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and f"{n}.weight" in frozen]
        self.regularized = [(dict(self.model.named_parameters())[n], l1, l2) for n, l1, l2 in self.weights.regularized()]
        self.optimizer = make_optimizer(params, self.settings["optimizer"])
        self.trained_params = params
        self.net = self.model
        if self.world > 1:
            self.net = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=[self.local_rank] if self.device.type == "cuda" else None)
        with open(os.path.join(HERE, job["model"]["studioModel"] + ".json"), encoding="utf-8") as f:
            self.studio_model = json.load(f)

    def penalty(self):
        total = 0.0
        for parameter, l1, l2 in self.regularized:
            if l1:
                total = total + l1 * parameter.abs().sum()
            if l2:
                total = total + l2 * (parameter * parameter).sum()
        return total

    def reduce(self, values):
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(tensor)
        return tensor.tolist()

    def loader(self, split, batch, shuffle):
        sampler = StudioBatchSampler(split, batch, self.settings["seed"], self.world, self.rank, shuffle)
        return sampler, DataLoader(split, batch_sampler=sampler, num_workers=0 if self.in_memory else self.args.workers)

    @torch.no_grad()
    def measure(self, split, batch):
        """Loss (with regularisation, as Keras reports it) and accuracy over a whole split, shared across ranks."""
        if len(split) == 0:
            return None
        self.model.eval()
        _, loader = self.loader(split, batch, shuffle=False)
        loss_sum = right = count = 0.0
        penalty = float(self.penalty())
        for images, labels, _, weight in loader:
            labels, weight = labels.to(self.device), weight.to(self.device, torch.float32)
            p = self.model(self.inputs(images.to(self.device)))
            loss_sum += float(((per_sample_loss(p, labels, self.settings["loss"]) + penalty) * weight).sum())
            right += float((correct(p, labels, self.settings["loss"]) * weight).sum())
            count += float(weight.sum())
        loss_sum, right, count = self.reduce([loss_sum, right, count])
        return {"loss": loss_sum / count, "accuracy": right / count}

    def metadata(self, result):
        meta = {
            "classNames": self.scan["class_names"],
            "inputShape": list(self.shape),
            "preprocessing": {
                "resize": self.job["data"]["preprocessing"]["resize"],
                "channels": self.shape[2],
                "colour": "grey" if self.shape[2] == 1 else "rgb",
                "normalization": self.normalization,
                "alphaBackground": "black",
            },
            "project": self.job["project"],
            "runId": self.run_id,
        }
        return {**meta, **result} if result else meta

    def save_state(self, epoch, state):
        if not self.main:
            return
        path = os.path.join(self.out, "checkpoints", STATE_FILE)
        temp = "%s.%s.tmp" % (path, secrets.token_hex(4))
        torch.save(state, temp)
        os.replace(temp, path)

    def start(self):
        s = self.settings
        self.batch = min(s["batchSize"], len(self.train))
        if self.batch % self.world != 0 and self.batch >= self.world:
            raise JobError(f"the training split has {len(self.train)} images, so the batch is {self.batch}, which does not split evenly over {self.world} processes")
        self.batches_per_epoch = math.ceil(len(self.train) / self.batch)
        self.schedule = LearningRateSchedule(s["schedule"], s["optimizer"]["learningRate"], s["epochs"])
        es = s["earlyStopping"]
        self.monitor_metric = es["monitor"] if len(self.validation) > 0 else "valLoss"
        self.monitor = ImprovementMonitor(self.monitor_metric, es["minDelta"])
        self.best_state, self.best_result, self.last_result = None, None, None
        self.first_epoch = 1
        resumed = None
        if self.args.resume:
            resumed = [torch.load(os.path.join(self.out, "checkpoints", STATE_FILE), map_location="cpu") if self.main else None]
            if self.world > 1:
                dist.broadcast_object_list(resumed, src=0)
            resumed = resumed[0]
            self.restore(resumed)
        else:
            self.run_id = new_run_id()
            self.started_at = _now()
            if self.world > 1:
                shared = [self.run_id]
                dist.broadcast_object_list(shared, src=0)
                self.run_id = shared[0]
        if self.main:
            os.makedirs(os.path.join(self.out, "checkpoints"), exist_ok=True)
            if resumed:
                self.trim_log(resumed["epoch"])
                self.log({"type": "resumed", "runId": self.run_id, "epoch": resumed["epoch"] + 1, "batch": 1})
            else:
                self.write_run_json()
                self.write_split()
                self.log(self.started_event())
        self.say(
            f"Training on pytorch ({self.device}, {self.world} process{'es' if self.world > 1 else ''}): global batch {self.batch}"
            + (f" = {self.world} × {self.batch // self.world} per process" if self.world > 1 else "")
            + f", {len(self.train)} training / {len(self.validation)} validation / {len(self.test)} test images in {len(self.scan['class_names'])} classes. Run folder: {self.out}"
        )

    def restore(self, state):
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.plateau_rate = state["schedule"]["plateau_rate"]
        if self.schedule.plateau is not None:
            self.schedule.plateau.__dict__.update(state["schedule"]["plateau"])
        self.monitor.__dict__.update(state["monitor"])
        self.best_state = state["best_state"]
        self.best_result, self.last_result = state["best_result"], state["last_result"]
        self.run_id, self.started_at = state["run_id"], state["started_at"]
        self.normalization = state["normalization"]
        self.inputs = Inputs(self.normalization, self.job["data"]["augmentation"], self.job["data"]["seed"], self.device)
        self.first_epoch = state["epoch"] + 1

    def trim_log(self, epoch):
        """Drops what the log holds past the checkpoint (an epoch line written before the kill), so every epoch appears once."""
        path = os.path.join(self.out, "metrics.jsonl")
        kept = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("type") in ("epoch", "checkpoint") and event.get("epoch", 0) > epoch:
                    continue
                if event.get("type") in ("finished", "error"):
                    continue
                kept.append(line if line.endswith("\n") else line + "\n")
        write_file_atomic(path, "".join(kept))

    def started_event(self):
        count = lambda trainable=None: sum(int(np.prod(w["shape"])) for w in self.job["weights"] if trainable is None or w["trainable"] == trainable)
        return {
            "type": "run-started",
            "runId": self.run_id,
            "runDir": self.out,
            "backend": "pytorch",
            "device": "GPU" if self.device.type == "cuda" else "CPU",
            "params": count(),
            "trainableParams": count(True),
            "dataset": {"classes": self.scan["class_names"], "train": len(self.train), "validation": len(self.validation), "test": len(self.test)},
            "epochs": self.settings["epochs"],
            "batchSize": self.batch,
            "batchesPerEpoch": self.batches_per_epoch,
            "dataLoading": self.loading,
            "worldSize": self.world,
            "perProcessBatch": max(1, self.batch // self.world),
        }

    def write_run_json(self):
        data = self.job["data"]
        run = {
            "runId": self.run_id,
            "startedAt": self.started_at,
            "project": self.job["project"],
            "projectPath": None,
            "dataPath": self.scan["root"],
            "backend": {
                "name": "pytorch",
                "device": "GPU" if self.device.type == "cuda" else "CPU",
                "devices": [torch.cuda.get_device_name(self.device)] if self.device.type == "cuda" else ["cpu"],
                "worldSize": self.world,
                "distributed": ("nccl" if self.device.type == "cuda" else "gloo") if self.world > 1 else None,
            },
            "settings": self.settings,
            "classNames": self.scan["class_names"],
            "sizes": {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)},
            "skipped": self.skipped,
            "data": {
                "kind": "image-folder",
                "layout": self.scan["layout"],
                "splits": self.origin,
                "loading": self.loading,
                "preprocessing": self.metadata(None)["preprocessing"],
                "augmentation": data["augmentation"] if has_augmentation(data["augmentation"]) else None,
            },
            "graph": self.job["graph"],
            "initialWeights": self.job["model"]["initialWeights"],
            "pytorch": torch.__version__,
            "job": {"file": JOB_FILE, "perProcessBatch": max(1, self.batch // self.world)},
        }
        write_file_atomic(os.path.join(self.out, "run.json"), json.dumps(run, indent=2) + "\n")

    def write_split(self):
        data = self.job["data"]
        head = {
            "format": "convnet-studio.split",
            "source": {"kind": "image-folder", "root": self.scan["root"]},
            "seed": data["seed"],
            "validationSplit": data["validationSplit"],
            "testSplit": data["testSplit"],
            "origin": self.origin,
            "classNames": self.scan["class_names"],
        }
        rows = lambda split: "[]" if len(split) == 0 else "[\n" + ",\n".join("    " + json.dumps([rel, label], ensure_ascii=False) for _, rel, label in split.items) + "\n  ]"
        text = json.dumps(head, indent=2, ensure_ascii=False)[:-2]
        text += ',\n  "train": %s,\n  "validation": %s,\n  "test": %s\n}\n' % (rows(self.train), rows(self.validation), rows(self.test))
        write_file_atomic(os.path.join(self.out, "split.json"), text)

    def fit(self):
        s = self.settings
        es = s["earlyStopping"]
        status = "completed"
        sampler, loader = self.loader(self.train, self.batch, shuffle=True)
        for epoch in range(self.first_epoch, s["epochs"] + 1):
            began = time.perf_counter()
            rate = self.schedule.rate_for_epoch(epoch)
            for group in self.optimizer.param_groups:
                group["lr"] = rate
            self.model.train()
            for module in self.frozen_modules:
                module.eval()
            sampler.set_epoch(epoch)
            loss_sum = right = count = 0.0
            for images, labels, indices, weight in loader:
                labels, weight = labels.to(self.device), weight.to(self.device, torch.float32)
                x = self.inputs(images.to(self.device), indices.tolist(), epoch)
                p = self.net(x)
                losses = per_sample_loss(p, labels, s["loss"])
                global_count = self.reduce([float(weight.sum())])[0] if self.world > 1 else float(weight.sum())
                penalty = self.penalty()
                # DDP averages gradients over W ranks: sum × W / global count makes that the mean over the global batch.
                objective = (losses * weight).sum() * (self.world / global_count) + penalty
                self.optimizer.zero_grad(set_to_none=True)
                objective.backward()
                # The studio's optimizer.clipNorm: the global L2 norm of the step's gradients (penalties included), after DDP's average.
                if s["optimizer"].get("clipNorm"):
                    torch.nn.utils.clip_grad_norm_(self.trained_params, s["optimizer"]["clipNorm"])
                self.optimizer.step()
                loss_sum += float(((losses.detach() + float(penalty)) * weight).sum())
                right += float((correct(p.detach(), labels, s["loss"]) * weight).sum())
                count += float(weight.sum())
                if not math.isfinite(float(objective)):
                    raise JobError(f"training diverged: the loss became {float(objective)} at epoch {epoch}; lower the learning rate (it was {rate})")
            loss_sum, right, count = self.reduce([loss_sum, right, count])
            val = self.measure(self.validation, self.batch)
            result = {
                "epoch": epoch,
                "loss": loss_sum / count,
                "accuracy": right / count,
                "valLoss": val["loss"] if val else None,
                "valAccuracy": val["accuracy"] if val else None,
            }
            self.last_result = result
            self.log({"type": "epoch", "runId": self.run_id, **result, "learningRate": rate, "seconds": time.perf_counter() - began, "tensors": 0})
            self.say(
                f"epoch {epoch}/{s['epochs']}  loss {result['loss']:.4f}  acc {result['accuracy']:.4f}"
                + (f"  val_loss {result['valLoss']:.4f}  val_acc {result['valAccuracy']:.4f}" if val else "")
                + f"  lr {rate:.3g}  {time.perf_counter() - began:.1f}s"
            )
            monitored = result["valAccuracy"] if self.monitor_metric == "valAccuracy" else (result["valLoss"] if result["valLoss"] is not None else result["loss"])
            improved = self.monitor.update(monitored, epoch)
            if improved:
                self.best_result = result
                if es["enabled"] and es["restoreBestWeights"]:
                    self.best_state = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
            checkpoint = os.path.join(self.out, "checkpoints", "epoch-%03d" % epoch)
            self.schedule.observe(result, epoch)
            if self.main:
                write_studio_model(checkpoint, self.studio_model, self.weights, self.job, self.model.state_dict(), self.metadata(result))
                self.save_state(epoch, {
                    "epoch": epoch,
                    "model": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
                    "optimizer": self.optimizer.state_dict(),
                    "schedule": {"plateau_rate": self.schedule.plateau_rate, "plateau": self.schedule.plateau.__dict__ if self.schedule.plateau else None},
                    "monitor": dict(self.monitor.__dict__),
                    "best_state": self.best_state,
                    "best_result": self.best_result,
                    "last_result": self.last_result,
                    "run_id": self.run_id,
                    "started_at": self.started_at,
                    "normalization": self.normalization,
                })
                self.log({"type": "checkpoint", "runId": self.run_id, "epoch": epoch, "path": checkpoint, "best": improved})
            if es["enabled"] and self.monitor.epochs_without_improvement >= max(1, es["patience"]):
                status = "early-stopped"
                break
        return status

    def finish(self, status):
        final = self.last_result
        if self.best_state is not None and self.best_result is not None:
            self.model.load_state_dict(self.best_state)
            final = self.best_result
        test = self.measure(self.test, self.batch)
        model_dir = os.path.join(self.out, "model")
        if self.main:
            write_studio_model(model_dir, self.studio_model, self.weights, self.job, self.model.state_dict(), self.metadata(final), with_pytorch=True)
            self.log({
                "type": "finished",
                "runId": self.run_id,
                "runDir": self.out,
                "status": status,
                "epochs": self.last_result["epoch"] if self.last_result else 0,
                "bestEpoch": self.monitor.best_epoch,
                "metrics": {k: final[k] for k in ("loss", "accuracy", "valLoss", "valAccuracy")},
                "modelPath": model_dir,
                **({"test": {**test, "count": len(self.test)}} if test else {}),
            })
        self.say(
            f"{'Finished' if status == 'completed' else 'Stopped early'} after {self.last_result['epoch']} epochs"
            + (f" (best epoch {self.monitor.best_epoch})" if self.monitor.best_epoch else "")
            + f": loss {final['loss']:.4f}, accuracy {final['accuracy']:.4f}"
            + (f", validation accuracy {final['valAccuracy']:.4f}" if final["valAccuracy"] is not None else "")
            + (f", test accuracy {test['accuracy']:.4f} ({len(self.test)} images)" if test else "")
            + f". Model: {model_dir}"
        )

    def close(self):
        """Leaves the process group without deadlocking torch 1.13's gloo teardown.

        Destroying DDP's reducer after the group frees the group from inside the reducer while a
        gloo worker thread may still be releasing a finished work's tensors, which needs the GIL the
        destructor holds. So: wait for every rank, drop DDP while the group lives, then destroy it.
        """
        if not (dist.is_available() and dist.is_initialized()):
            return
        try:
            dist.barrier()
        except RuntimeError:
            pass  # another rank failed; its error is the one to show
        self.net = None
        gc.collect()
        dist.destroy_process_group()


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    run = Run(args)
    try:
        run.check()
        run.setup()
        run.start()
        status = run.fit()
        run.finish(status)
    except KeyboardInterrupt:
        if run.main:
            print(f"train.py: interrupted; the last finished epoch's checkpoint is in {getattr(run, 'out', 'the run folder')}/checkpoints: continue with --resume", file=sys.stderr, flush=True)
        return 130
    except JobError as e:
        if run.main:
            print(f"train.py: {e}", file=sys.stderr, flush=True)
            if getattr(run, "run_id", None) and os.path.isdir(getattr(run, "out", "")) and os.path.exists(os.path.join(run.out, "metrics.jsonl")):
                run.log({"type": "error", "runId": run.run_id, "message": str(e), "hint": "", "code": "job-failed"})
        return 2
    finally:
        run.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
