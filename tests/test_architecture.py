"""The package's house plan holds: layers import only downwards, imports stay cheap, every export
is used, no module grows past a screenful of screens, lessons use only public names.

docs/architecture.md describes the plan these tests enforce.
"""
from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import convlab
from convlab.course.manifest import LESSONS
from convlab.i18n import LANGS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "convlab"

#: subpackage -> the convlab subpackages it may import (docs/architecture.md draws this).
ALLOWED = {
    "i18n": set(),
    "conv": set(),
    "data": {"i18n"},
    "figures": {"i18n"},
    "explorers": {"conv", "figures", "i18n"},
    "exercises": {"conv", "figures", "i18n", "data", "course"},
    "course": {"i18n", "figures"},
    "nn": {"conv"},
    "classroom": {"course", "exercises", "i18n"},
}
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def subpackage(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def convlab_imports(path: Path) -> set[str]:
    """The convlab subpackages ``path`` imports, absolute or relative, at any depth."""
    found: set[str] = set()
    package = ["convlab", *path.relative_to(PACKAGE).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
                if len(target) == 1:    # "from .. import x": x itself is the subpackage
                    found.update(alias.name for alias in node.names)
                    continue
            elif node.module and node.module.split(".")[0] == "convlab":
                target = node.module.split(".")
            else:
                continue
            if len(target) > 1:
                found.add(target[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "convlab" and len(parts) > 1:
                    found.add(parts[1])
    return found


@pytest.mark.parametrize("path", [p for p in modules() if subpackage(p)],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_subpackage_imports_only_the_layers_below_it(path):
    own = subpackage(path)
    others = convlab_imports(path) - {own}
    assert others <= ALLOWED[own], (
        f"{path.relative_to(ROOT)} imports {sorted(others - ALLOWED[own])}; "
        f"{own}/ may import only {sorted(ALLOWED[own]) or 'nothing from convlab'}")


def test_the_layer_table_names_every_subpackage():
    found = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert found == set(ALLOWED)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_longer_than_a_reader_can_hold(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by what it holds"


def run_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout


def test_importing_convlab_and_its_conv_core_loads_no_plotting_or_widgets():
    loaded = json.loads(run_python(
        "import sys, json, convlab, convlab.conv; "
        "print(json.dumps(sorted(m for m in ('matplotlib', 'ipywidgets', 'torchvision', "
        "'IPython') if m in sys.modules)))"))
    assert loaded == []


def test_importing_convlab_conv_loads_nothing_beyond_torch_but_its_own_modules():
    """``import convlab.conv`` after ``import torch`` adds convlab's conv modules and nothing else:
    no widgets, no matplotlib, no data or lesson code (a count of modules, not a timing, so it
    holds on a loaded machine too)."""
    code = ("import sys, torch; before = set(sys.modules); import convlab.conv; "
            "print('\\n'.join(sorted(set(sys.modules) - before)))")
    added = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=ROOT).stdout.split()
    assert "convlab.conv.functional" in added
    assert [m for m in added if m not in ("convlab", "convlab.conv")
            and not m.startswith("convlab.conv.")] == []


def test_every_public_name_is_importable_and_documented():
    for name in convlab.__all__:
        value = getattr(convlab, name)
        assert (value.__doc__ or "").strip(), f"convlab.{name} has no docstring"


def used_names(path: Path) -> set[str]:
    """Every name, attribute and imported name that the code of ``path`` mentions."""
    names: set[str] = set()
    text = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(json_code(text) if path.suffix == ".ipynb" else text)):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.name.split(".")[-1])
    return names


def json_code(text: str) -> str:
    cells = json.loads(text)["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return "\n".join(line for src in code for line in src.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def test_every_export_of_every_subpackage_is_used_somewhere():
    users = [p for p in [*ROOT.glob("convlab/**/*.py"), *ROOT.glob("tests/*.py"),
                         *ROOT.glob("tools/**/*.py"), *ROOT.glob("benchmarks/*.py"),
                         *ROOT.glob("notebooks/*/*.ipynb")]
             if "__pycache__" not in p.parts]
    mentions = {path: used_names(path) for path in users}
    # the Makefile's recipes call a few functions too (``make webfont``)
    mentions[ROOT / "Makefile"] = set(re.findall(r"\w+", (ROOT / "Makefile").read_text()))
    for path in modules():
        name = ".".join(["convlab", *path.relative_to(PACKAGE).with_suffix("").parts])
        module = importlib.import_module(name.removesuffix(".__init__"))
        exported = list(getattr(module, "__all__", []))
        if not exported:
            continue
        elsewhere = set().union(*(names for user, names in mentions.items() if user != path))
        unused = [name for name in exported if name not in elsewhere]
        assert not unused, f"{path.relative_to(ROOT)} exports {unused}, used nowhere else"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lesson", [item.name for item in LESSONS])
def test_lessons_touch_no_private_name_of_convlab(lesson, lang):
    code = json_code((ROOT / "notebooks" / lang / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    private = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__") and "convlab" in ast.unparse(node.value):
            private.append(ast.unparse(node))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("convlab"):
            private += [a.name for a in node.names if a.name.startswith("_")]
            private += [node.module] if any(p.startswith("_") for p in node.module.split(".")) else []
    assert not private, f"{lang}/{lesson} reaches into {private}: use a public function"


def test_a_string_key_lives_in_one_table_only():
    """The string tables are split by the part of the course that shows them; a key written in
    two of them is refused rather than one silently winning."""
    from convlab.i18n import catalogue
    from convlab.i18n.strings import common, lessons_01_05, lessons_07_09

    tables = (common.STRINGS, lessons_01_05.STRINGS, lessons_07_09.STRINGS)
    assert len(catalogue.STRINGS) == sum(len(t) for t in tables)
    with pytest.raises(KeyError, match="defined twice"):
        catalogue._one_table({"x": {"en": "a", "ko": "가"}}, {"x": {"en": "b", "ko": "나"}})
