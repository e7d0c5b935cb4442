"""Show convlab's own code inside a lesson (lessons 06 and later read the implementations)."""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any


def show_source(obj: Any) -> None:
    """Print the source of a public convlab function or class, headed by its file and line.

    Lessons call this instead of reaching into modules, so the code a lesson shows is always
    the code that runs. Private names (``_helper``) are refused: they may change at any time.
    """
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    module = getattr(obj, "__module__", "") or ""
    if name is None or not module.startswith("convlab"):
        raise TypeError(f"show_source shows convlab's functions and classes, got {obj!r}")
    if any(part.startswith("_") for part in [*module.split("."), *name.split(".")]):
        raise ValueError(f"{module}.{name} is private to convlab; show a public function instead")
    lines, first = inspect.getsourcelines(obj)
    package = Path(inspect.getfile(obj)).resolve()
    parts = package.parts[package.parts.index("convlab"):]
    print(f"# {'/'.join(parts)}, line {first}")
    print("".join(lines), end="")
