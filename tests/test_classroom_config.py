"""The deployment files agree: the school profile of the hub config loads with the classes the
classroom extra installs, and the limits in the hub config, Zero to JupyterHub's config and the
guide (both languages) are the same measured numbers."""
from __future__ import annotations

import ast
import importlib
import importlib.util
import re

import yaml

from classroom_harness import ROOT

HUB = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
Z2JH = ROOT / "deploy" / "z2jh" / "config.yaml"
GUIDES = [ROOT / "docs" / "teaching.md", ROOT / "docs" / "teaching.ko.md"]


def hub_constants() -> dict:
    tree = ast.parse(HUB.read_text(encoding="utf-8"))
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.isupper() and isinstance(node.value, ast.Constant)}


def test_the_school_profile_loads_with_installed_classes(tmp_path, monkeypatch):
    from traitlets.config.loader import PyFileConfigLoader

    (tmp_path / "students.txt").write_text("# class 3\nstudent01\nstudent02\n\n")
    monkeypatch.setenv("CONVLAB_HUB_PROFILE", "school")
    monkeypatch.setenv("CONVLAB_HUB_DATA", str(tmp_path))
    monkeypatch.setenv("CONVLAB_COURSE_REPO", "https://git.school.kr/convlab.git")
    config = PyFileConfigLoader(HUB.name, str(HUB.parent)).load_config()
    for dotted in (config.JupyterHub.spawner_class, config.JupyterHub.authenticator_class):
        module, name = dotted.rsplit(".", 1)
        assert getattr(importlib.import_module(module), name)
    assert config.Authenticator.allowed_users == {"student01", "student02"}
    assert config.Spawner.default_url.startswith("/git-pull?repo=https%3A%2F%2Fgit.school.kr")
    culler = config.JupyterHub.services[0]["command"]
    assert importlib.util.find_spec(culler[2]) and f"--timeout={hub_constants()['IDLE_TIMEOUT']}" in culler


def test_limits_are_the_same_in_both_deployments():
    hub, z2jh = hub_constants(), yaml.safe_load(Z2JH.read_text(encoding="utf-8"))
    user = z2jh["singleuser"]
    assert (user["memory"]["guarantee"], user["memory"]["limit"]) == (hub["MEM_GUARANTEE"],
                                                                      hub["MEM_LIMIT"])
    assert (user["cpu"]["guarantee"], user["cpu"]["limit"]) == (hub["CPU_GUARANTEE"],
                                                                hub["CPU_LIMIT"])
    assert user["extraEnv"]["OMP_NUM_THREADS"] == str(int(hub["CPU_LIMIT"]))
    assert z2jh["cull"]["timeout"] == hub["IDLE_TIMEOUT"]


def test_the_guides_show_the_measured_numbers_of_the_config():
    comment = re.search(r"#\s+(00: \d+(?:\s+\d\d: \d+)*)", HUB.read_text(encoding="utf-8"))
    measured = dict(pair.split(": ") for pair in re.split(r"\s{2,}", comment.group(1)))
    server = re.search(r"and (\d+) MiB for the student's own JupyterLab server",
                       HUB.read_text(encoding="utf-8")).group(1)
    for guide in GUIDES:
        text = guide.read_text(encoding="utf-8")
        lessons = re.search(r"^\| (?:lesson|강의) \|(.+)\|$", text, re.M).group(1).split("|")
        peaks = re.search(r"^\| (?:kernel peak|커널 최대 메모리) \(MiB\) \|(.+)\|$", text,
                          re.M).group(1).split("|")
        assert dict(zip((s.strip() for s in lessons), (s.strip() for s in peaks))) == measured
        assert f"{server} MiB" in text
