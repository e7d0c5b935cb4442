"""The depthwise routes cut their blocks to the machine's own L2 caches, read from Linux's
sysfs, with a floor where a multiply-add's fixed cost would outweigh its work."""
from __future__ import annotations

from pathlib import Path

import pytest

import convlab.conv.cache as cache

MiB = 1024 * 1024


def fake_caches(root: Path, *caches: tuple[str, str, str, str]) -> Path:
    """A sysfs ``cache`` folder: one ``indexN`` per ``(level, type, size, shared_cpu_list)``."""
    for n, (level, kind, size, shared) in enumerate(caches):
        index = root / f"index{n}"
        index.mkdir(parents=True)
        for name, text in (("level", level), ("type", kind), ("size", size),
                           ("shared_cpu_list", shared)):
            (index / name).write_text(text + "\n")
    return root


def test_a_core_of_its_own_has_its_whole_l2(tmp_path):
    caches = fake_caches(tmp_path, ("1", "Data", "48K", "0"), ("1", "Instruction", "32K", "0"),
                         ("2", "Unified", "2048K", "0"), ("3", "Unified", "491520K", "0-1"))
    assert cache.l2_bytes(caches) == 2 * MiB


@pytest.mark.parametrize("size, shared, share", [
    ("2048K", "0-1", 1 * MiB),             # two hyperthreads of one core
    ("4M", "0,4", 2 * MiB),                # listed apart
    ("4M", "0-1,4-5", 1 * MiB),            # a cluster of four
    ("1048576", "0", 1 * MiB),             # plain bytes
])
def test_an_l2_shared_by_several_processors_is_split_among_them(tmp_path, size, shared, share):
    caches = fake_caches(tmp_path, ("2", "Unified", size, shared))
    assert cache.l2_bytes(caches) == share


@pytest.mark.parametrize("caches", [
    (),                                                    # no cache listed
    (("1", "Data", "48K", "0"), ("3", "Unified", "32M", "0-7")),   # no L2 listed
    (("2", "Unified", "a lot", "0"),),                     # a size that is not a number
], ids=["nothing", "no L2", "unreadable size"])
def test_a_machine_that_does_not_say_gets_a_core_of_one_mib(tmp_path, caches):
    assert cache.l2_bytes(fake_caches(tmp_path / "cache", *caches)) == cache.L2_UNKNOWN == MiB


def test_no_sysfs_at_all_gets_a_core_of_one_mib(tmp_path):
    assert cache.l2_bytes(tmp_path / "missing") == MiB


@pytest.mark.parametrize("l2, threads, block", [
    (2 * MiB, 2, 3 * MiB),          # three quarters of two cores' L2
    (2 * MiB, 16, 24 * MiB),        # more threads, more cache to share
    (256 * 1024, 2, 2 * MiB),       # small caches: never under 2 MiB
    (1 * MiB, 1, 2 * MiB),
])
def test_a_block_takes_three_quarters_of_the_threads_l2_and_at_least_two_mib(
        monkeypatch, l2, threads, block):
    monkeypatch.setattr(cache, "l2_bytes", lambda: l2)
    monkeypatch.setattr(cache.torch, "get_num_threads", lambda: threads)
    monkeypatch.setattr(cache, "processors", lambda: 64)
    assert cache.block_bytes() == block


def test_threads_beyond_the_processors_a_container_grants_share_no_cache(monkeypatch):
    """PyTorch may start a thread per processor of the machine while the process may run on
    two: only those two processors' caches count."""
    monkeypatch.setattr(cache, "l2_bytes", lambda: 2 * MiB)
    monkeypatch.setattr(cache.torch, "get_num_threads", lambda: 64)
    monkeypatch.setattr(cache, "processors", lambda: 2)
    assert cache.block_bytes() == 3 * MiB


def test_this_process_runs_on_at_least_one_processor():
    assert 1 <= cache.processors() <= (cache.os.cpu_count() or 1)
