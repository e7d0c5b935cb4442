"""The three ways to install (make, pip, conda/Binder) ask for the same packages."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from convlab.i18n import LANGS

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAME = {"torch": "pytorch"}  # conda-forge names that differ from PyPI's


def _name_and_range(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_environment_yml_lists_exactly_pyprojects_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {CONDA_NAME.get(n, n): r for n, r in map(_name_and_range, project["dependencies"])}
    # Binder and the hub's single-user image also get the classroom extra (nbgitpuller, Voilà)
    wanted.update(map(_name_and_range, project["optional-dependencies"]["classroom"]))
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


def test_the_readme_lesson_table_lists_the_manifest_in_order():
    from convlab.course.manifest import LESSONS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## The lessons"):readme.index("### 한국어")]
    assert re.findall(r"^\| `(\d\d_\w+)` \|", table, flags=re.M) == [l.name for l in LESSONS]


@pytest.mark.parametrize("lang", LANGS)
def test_lesson_00s_table_links_every_later_lesson_in_order(lang):
    import json

    from convlab.course.manifest import LESSONS

    cells = json.loads((ROOT / "notebooks" / lang / "00_start_here.ipynb").read_text("utf-8"))
    table = next("".join(c["source"]) for c in cells["cells"]
                 if c["cell_type"] == "markdown" and "01_conv2d_basics.ipynb" in "".join(c["source"]))
    linked = re.findall(r"^\| \[[^]]+\]\((\d\d_\w+)\.ipynb\) \|", table, flags=re.M)
    assert linked == [l.name for l in LESSONS[1:]]


def test_a_built_wheel_carries_the_settings_and_says_where_the_lessons_are(tmp_path):
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("convlab-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "convlab/course/jupyter_settings/overrides.d/convlab.json" in names
    assert "convlab/course/jupyter_settings/ko/overrides.json" in names
    assert any(name.startswith("convlab/course/jupyter_custom/") for name in names)
    assert {"convlab/explorers/linked.js", "convlab/explorers/code_line.js"} <= set(names)
    assert "convlab/course/handout_template/index.html.j2" in names
    assert {"convlab/conv/__init__.py", "convlab/explorers/base.py"} <= set(names)
    assert {"convlab/conv/loops.h", "convlab/conv/depthwise_loop.c",     # the compiled loops,
            "convlab/conv/direct_loops.c"} <= set(names)                  # built on first use
    assert not any(name.startswith("notebooks/") for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "convlab-lab = convlab.course.lab:main" in scripts
    assert "convlab-handouts = convlab.course.handouts:main" in scripts

    # Installed without the lessons, the commands say what to do in one line.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    for module in ("convlab.lab", "convlab.handouts"):
        run = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True,
                             cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
        assert run.returncode != 0
        assert run.stderr.strip().count("\n") == 0, run.stderr
        assert "lessons are not installed with the package" in run.stderr


def test_the_lab_and_handouts_take_a_lessons_folder_from_anywhere(tmp_path):
    from convlab.course.lab import lab_command
    from convlab.course.paths import LessonsNotFound, lessons_dir

    assert lessons_dir() == ROOT / "notebooks"
    assert lessons_dir(ROOT / "notebooks") == ROOT / "notebooks"
    with pytest.raises(LessonsNotFound, match="holds no course lessons"):
        lessons_dir(tmp_path)
    assert f"--ServerApp.root_dir={ROOT / 'notebooks'}" in lab_command(lessons_dir())
