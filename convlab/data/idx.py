"""MNIST's IDX file format: the four files torchvision's ``datasets.MNIST`` reads (lesson 04)."""
from __future__ import annotations

import os
import struct
import uuid
from pathlib import Path

import numpy as np

__all__ = ["IDX_FILES", "MNISTDataError", "idx_count", "write_idx"]

#: The four extracted IDX files torchvision's ``datasets.MNIST`` reads from ``root/MNIST/raw``,
#: with their big-endian magic numbers (2051: images N x 28 x 28, 2049: labels N).
IDX_FILES = {
    "train-images-idx3-ubyte": 2051,
    "train-labels-idx1-ubyte": 2049,
    "t10k-images-idx3-ubyte": 2051,
    "t10k-labels-idx1-ubyte": 2049,
}


class MNISTDataError(RuntimeError):
    """MNIST files under ``root/MNIST`` that convlab cannot use and will not delete itself."""


def idx_count(path: Path, magic: int) -> int:
    """Validate one IDX file and return how many images/labels it holds.

    Checks the magic number, the 28 x 28 image size and that the file length matches the header
    exactly (a truncated download or a half-written file fails here). Raises ``ValueError``
    with the reason.
    """
    header_len = 16 if magic == 2051 else 8
    size = path.stat().st_size
    if size < header_len:
        raise ValueError(f"only {size} bytes, shorter than the {header_len}-byte IDX header")
    with open(path, "rb") as fh:
        header = fh.read(header_len)
        found = struct.unpack(">i", header[:4])[0]
        if found != magic:
            raise ValueError(f"magic number {found}, expected {magic} (not an MNIST IDX file)")
        if magic == 2051:
            n, rows, cols = struct.unpack(">iii", header[4:16])
            if (rows, cols) != (28, 28):
                raise ValueError(f"images are {rows} x {cols}, expected 28 x 28")
            expected = header_len + n * rows * cols
        else:
            n = struct.unpack(">i", header[4:8])[0]
            expected = header_len + n
        if n <= 0 or size != expected:
            raise ValueError(f"{size} bytes, but its header promises {n} items ({expected} bytes): "
                             "the file is truncated or damaged")
        if magic == 2049:
            labels = np.frombuffer(fh.read(), dtype=np.uint8)
            if labels.max() > 9:
                raise ValueError(f"holds label {int(labels.max())}; MNIST labels are 0-9")
    return n


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write uint8 images (N, 28, 28) or labels (N,) in the IDX format, atomically."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = 2051 if array.ndim == 3 else 2049
    header = struct.pack(">i", magic) + b"".join(struct.pack(">i", d) for d in array.shape)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(header)
            fh.write(array.tobytes())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
