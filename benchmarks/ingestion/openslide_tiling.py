#!/usr/bin/python3
"""The standard Python route for tiling, as CLAM does it: openslide-python read_region in a
loop, one patch at a time; then the same per-patch work PathLens does (resize to the encoder's
input, tissue check, normalise to a CHW float32 tensor with CLIP's mean/std).

Usage: /usr/bin/python3 openslide_tiling.py <spec.json>
  spec: {"slide", "level", "sizeAtLevelPx", "inputSizePx", "cells": [[x, y], …] (level-0),
         "mean", "std", "minSaturation", "maxBrightness", "minStainedFraction"}
Prints one JSON line: cells, kept, seconds (wall), cpuSeconds (this process, all threads), versions.
Needs Debian's python3-openslide and python3-numpy (apt-get install -y python3-openslide python3-numpy libopenslide0).
"""
import json
import sys
import time

import numpy as np
import openslide
from PIL import Image


def main() -> None:
    with open(sys.argv[1]) as spec_file:
        spec = json.load(spec_file)
    slide = openslide.OpenSlide(spec["slide"])
    level, size, input_size = spec["level"], spec["sizeAtLevelPx"], spec["inputSizePx"]
    mean = np.array(spec["mean"], dtype=np.float32).reshape(3, 1, 1)
    std = np.array(spec["std"], dtype=np.float32).reshape(3, 1, 1)
    max_channel_sum = spec["maxBrightness"] * 765
    kept = 0
    checksum = 0.0
    started = time.perf_counter()
    started_cpu = time.process_time()
    for x, y in spec["cells"]:
        region = slide.read_region((x, y), level, (size, size)).convert("RGB")
        if region.size != (input_size, input_size):
            region = region.resize((input_size, input_size), Image.LANCZOS)
        rgb = np.asarray(region)
        # Tissue: saturated ((max - min) > t * max) and not bright (R + G + B below a limit).
        high = rgb.max(axis=2).astype(np.int16)
        low = rgb.min(axis=2).astype(np.int16)
        channel_sum = rgb.sum(axis=2, dtype=np.int32)
        tissue = ((high - low) > spec["minSaturation"] * high) & (channel_sum < max_channel_sum)
        if tissue.mean() < spec["minStainedFraction"]:
            continue
        tensor = (rgb.transpose(2, 0, 1).astype(np.float32) / 255.0 - mean) / std
        checksum += float(tensor[0, 0, 0])
        kept += 1
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - started_cpu
    slide.close()
    print(json.dumps({
        "cells": len(spec["cells"]),
        "kept": kept,
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
        "openslide_python": openslide.__version__,
        "openslide": openslide.__library_version__,
        "checksum": checksum,
    }))


if __name__ == "__main__":
    main()
