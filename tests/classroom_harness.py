"""Shared by the classroom tests: free ports, a local clone of the project to pull the course
from, and a process group that is always shut down."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
GIT = ["git", "-c", "user.name=convlab teacher", "-c", "user.email=teacher@example.org",
       "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def git(*args: str, cwd: Path) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def course_clone(where: Path) -> tuple[Path, str]:
    """A local git clone of the project (its committed lessons) and its branch: the repository
    the nbgitpuller links point at."""
    origin = where / "convlab-origin"
    subprocess.run([*GIT, "clone", "--quiet", "--depth=1", f"file://{ROOT}", str(origin)],
                   check=True, capture_output=True)
    return origin, git("rev-parse", "--abbrev-ref", "HEAD", cwd=origin)


def need(program: str, why: str) -> str:
    """The path of ``program`` (the venv's bin first); skipped with one line where it is missing,
    failed on CI, which must run every classroom test."""
    found = shutil.which(program, path=os.pathsep.join(
        [os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    if found:
        return found
    message = f"{program} is not installed: {why}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def running(command: list[str], log: Path, **kwargs) -> Iterator[subprocess.Popen]:
    """Start ``command`` in its own process group; on exit stop it and every process it left."""
    import psutil

    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True, **kwargs)
    seen: dict[int, psutil.Process] = {}
    try:
        yield process
    finally:
        try:
            for child in psutil.Process(process.pid).children(recursive=True):
                seen[child.pid] = child
        except psutil.NoSuchProcess:
            pass
        process.send_signal(signal.SIGTERM)   # JupyterHub stops the servers it started
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        deadline = time.monotonic() + 10
        for child in seen.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except psutil.TimeoutExpired:
                child.kill()
            except psutil.NoSuchProcess:
                pass


def wait_for(check, timeout: float, what: str, log: Path | None = None):
    """Poll ``check()`` until it returns something true; fail with the log's tail if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    pytest.fail(f"{what} did not happen in {timeout:.0f} s\n{tail}")
