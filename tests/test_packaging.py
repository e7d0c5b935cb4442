"""The three ways to install (make, pip, conda/Binder) ask for the same packages."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAME = {"torch": "pytorch"}  # conda-forge names that differ from PyPI's


def _name_and_range(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_environment_yml_lists_exactly_pyprojects_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {CONDA_NAME.get(n, n): r for n, r in map(_name_and_range, project["dependencies"])}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip section: what conda-forge does not package
            deps = [d.split("#")[0].strip() for d in dep["pip"] if not d.startswith("-e")]
        elif not dep.startswith(("python", "pip")):
            deps = [dep]
        else:
            continue
        listed.update(_name_and_range(d) for d in deps)
    assert listed == wanted


def test_environment_yml_is_binder_ready():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section


def test_ci_calls_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme and "make lab" in readme
    assert readme.index("make lab") < readme.index("## ")  # the two commands come first
    assert "make test" in (ROOT / ".ci" / "run").read_text()
