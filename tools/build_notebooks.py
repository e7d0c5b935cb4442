"""Build the lesson notebooks of both languages from one source: tools/lessons/l*.py.

    python tools/build_notebooks.py            # (re)write notebooks/en/*.ipynb and notebooks/ko/*.ipynb
    python tools/build_notebooks.py --check    # exit 1, naming the files, if any stored notebook
                                               # differs from what its source builds

Code cells are written once and localized (comments, strings, ``lang=``), so the two languages
run the same code; Markdown cells carry both texts. The notebooks are written clean (nbformat v4,
no outputs, no execution counts, no widget state, fixed cell ids), so a rebuild of an unchanged
source gives byte-identical files. Edit the sources, not the .ipynb files.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))

from lessons import LESSONS  # noqa: E402
from lessons.cells import LANGS, Cell  # noqa: E402

METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _flatten(items: list) -> list[Cell]:
    cells: list[Cell] = []
    for item in items:
        cells.extend(_flatten(item) if isinstance(item, list) else [item])
    return cells


def lesson_cells(name: str) -> list[Cell]:
    """The cells of lesson ``name`` (e.g. "01_conv2d_basics")."""
    module = importlib.import_module(f"lessons.{LESSONS[name]}")
    return _flatten(module.CELLS)


def build(name: str, lang: str) -> nbformat.NotebookNode:
    """The clean notebook of lesson ``name`` in ``lang``."""
    cells = []
    for index, cell in enumerate(lesson_cells(name)):
        metadata = {"tags": list(cell.tags)} if cell.tags else {}
        cell_id = f"c{name[:2]}-{index:03d}"
        make = nbformat.v4.new_markdown_cell if cell.kind == "markdown" else nbformat.v4.new_code_cell
        cells.append(make(cell.source(lang), metadata=metadata, id=cell_id))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=METADATA)
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def targets() -> dict[Path, str]:
    """Every notebook path and the text its source builds."""
    return {NOTEBOOKS / lang / f"{name}.ipynb": render(build(name, lang))
            for name in LESSONS for lang in LANGS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; fail if a stored notebook differs from its source")
    args = parser.parse_args(argv)
    stale = []
    for path, text in targets().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date (run python tools/build_notebooks.py):\n  "
              + "\n  ".join(str(p.relative_to(ROOT)) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
