"""Peak memory of every lesson, measured: what a student's server must be allowed (the limits in
``deploy/`` and ``docs/teaching.md`` come from this command's numbers).

Each lesson of :data:`convlab.course.manifest.LESSONS` runs top to bottom in a fresh kernel
(nbclient, as nbval and nbgrader run them); a last cell then asks the kernel for its peak
resident memory: the kernel itself, and the largest child process it waited for
(a ``DataLoader``'s workers; note that a child forked by a large process, such as the
``ldconfig -p`` that ``import torch`` runs, shows the parent's shared pages as its own, so the
child column is an upper bound). A lesson added to the manifest is measured without changing
this file.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..course.manifest import LESSONS, Lesson

#: The cell appended to each lesson: peak resident memory in KiB, the kernel's own (Linux's
#: VmHWM, which starts afresh at exec, unlike ``ru_maxrss``, which keeps the high-water mark of
#: the process the kernel was forked from) and its largest waited-for child's.
PEAK_CELL = """\
import json as _j, re as _re, resource as _r
try:
    with open("/proc/self/status") as _f:
        _own = int(_re.search(r"VmHWM:\\s+(\\d+)", _f.read()).group(1))
except OSError:
    _own = _r.getrusage(_r.RUSAGE_SELF).ru_maxrss
print(_j.dumps([_own, _r.getrusage(_r.RUSAGE_CHILDREN).ru_maxrss]))"""


@dataclass(frozen=True)
class Peak:
    """One lesson's peak resident memory (MiB): its kernel, the largest child, and the seconds."""

    lesson: str
    kernel_mib: float
    children_mib: float
    seconds: float


def measure(lesson: Lesson, lessons: Path, lang: str = "en", timeout: int = 600) -> Peak:
    """Run ``lesson`` in a fresh kernel from its own folder and return its peak memory."""
    import nbformat
    from nbclient import NotebookClient

    path = lessons / lesson.notebook(lang)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    last = notebook.cells[-1].outputs
    text = "".join(o.get("text", "") for o in last if o.get("name") == "stdout")
    self_kib, children_kib = json.loads(text.strip().splitlines()[-1])
    return Peak(lesson.name, self_kib / 1024, children_kib / 1024, seconds)


def measure_all(lessons: Path, lang: str = "en",
                names: list[str] | None = None) -> list[Peak]:
    """Every lesson of the manifest (or those ``names``), one fresh kernel each."""
    chosen = [item for item in LESSONS if not names or item.name in names
              or item.number in names]
    return [measure(item, lessons, lang) for item in chosen]


def report(peaks: list[Peak]) -> str:
    """A table a teacher can paste: lesson, kernel peak, child peak, seconds."""
    lines = [f"{'lesson':32} {'kernel MiB':>10} {'child MiB':>10} {'seconds':>8}"]
    for peak in peaks:
        lines.append(f"{peak.lesson:32} {peak.kernel_mib:10.0f} {peak.children_mib:10.0f} "
                     f"{peak.seconds:8.1f}")
    heaviest = max(peaks, key=lambda p: p.kernel_mib)
    lines.append(f"heaviest kernel: {heaviest.lesson}, {heaviest.kernel_mib:.0f} MiB "
                 f"(cpu count here: {os.cpu_count()})")
    return "\n".join(lines)
