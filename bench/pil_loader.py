"""The PIL side of `npm run bench:data`: decode and resize every PNG of a
folder the way a plain PyTorch/torchvision loader does (one process, PIL
open, convert, bilinear resize, numpy array). Prints one JSON line.

    /usr/bin/python3 bench/pil_loader.py DIR SIZE CHANNELS [LIMIT]
"""
import json
import os
import sys
import time

import numpy as np
from PIL import Image


def main():
    root, size, channels = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    files = []
    for folder, _, names in os.walk(root):
        files.extend(os.path.join(folder, name) for name in names if name.lower().endswith('.png'))
    files.sort()
    if limit:
        files = files[:limit]
    mode = 'L' if channels == 1 else 'RGB'
    start = time.perf_counter()
    checksum = 0
    for path in files:
        with Image.open(path) as image:
            array = np.asarray(image.convert(mode).resize((size, size), Image.BILINEAR), dtype=np.uint8)
        checksum += int(array[size // 2, size // 2].sum()) if channels == 3 else int(array[size // 2, size // 2])
    seconds = time.perf_counter() - start
    print(json.dumps({'images': len(files), 'seconds': seconds, 'imagesPerSecond': len(files) / seconds, 'pil': Image.__version__, 'checksum': checksum}))


main()
