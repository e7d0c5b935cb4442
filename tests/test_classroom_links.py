"""The nbgitpuller link and nbgitpuller's merge rules on the course: a student's edits survive
a course update, the update arrives, a deleted lesson comes back (no hub needed: nbgitpuller's
own GitPuller does what the link's page does)."""
from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from classroom_harness import ROOT, course_clone, git
from convlab.classroom import pull_link
from convlab.course.manifest import LESSONS
from convlab.i18n import LANGS


@pytest.mark.parametrize("lang", LANGS)
def test_the_link_opens_a_lesson_that_exists(lang):
    link = pull_link("https://hub.school.kr/", "https://git.school.kr/convlab.git", lang)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https", "hub.school.kr", "/hub/user-redirect/git-pull")
    query = {key: value[0] for key, value in parse_qs(parts.query).items()}
    assert query["repo"] == "https://git.school.kr/convlab.git"
    opened = query["urlpath"].removeprefix("lab/tree/")
    assert opened.startswith(query["targetpath"] + "/")
    assert (ROOT / opened.removeprefix(query["targetpath"] + "/")).is_file()
    assert opened.endswith(f"/{lang}/{LESSONS[0].name}.ipynb")


def test_the_command_line_prints_the_link():
    out = subprocess.run([sys.executable, "-m", "convlab.classroom", "link", "--hub",
                          "http://hub", "--repo", "https://git/convlab", "--lang", "ko"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    assert out == pull_link("http://hub", "https://git/convlab", "ko")


def _pull(origin, branch, home):
    from nbgitpuller.pull import GitPuller

    lines = list(GitPuller(f"file://{origin}", str(home / "convlab"), branch=branch).pull())
    assert lines is not None


def _source(path, index: int) -> str:
    return "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][index]["source"])


def _set_source(path, index: int, text: str) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"][index]["source"] = text
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def test_pulling_a_course_update_keeps_the_students_edits(tmp_path):
    origin, branch = course_clone(tmp_path)
    home = tmp_path / "home"
    _pull(origin, branch, home)
    lesson = f"notebooks/ko/{LESSONS[0].name}.ipynb"
    other = f"notebooks/en/{LESSONS[1].name}.ipynb"
    mine, theirs = home / "convlab" / lesson, origin / lesson
    # the student writes an answer into a cell, deletes another lesson, adds a notebook
    _set_source(mine, 1, "answer = 16   # 학생의 답")
    (home / "convlab" / other).unlink()
    (home / "convlab" / "notebooks" / "ko" / "my_notes.ipynb").write_text("{}")
    # the teacher changes the same cell and the README, then publishes
    _set_source(theirs, 1, "answer = None   # updated starter")
    (origin / "README.md").write_text((origin / "README.md").read_text() + "\nUpdated.\n")
    git("commit", "-qam", "course update", cwd=origin)
    _pull(origin, branch, home)
    assert _source(mine, 1) == "answer = 16   # 학생의 답"       # the student's edit wins
    assert (home / "convlab" / "README.md").read_text().endswith("Updated.\n")  # update arrived
    assert (home / "convlab" / other).is_file()                     # a deleted lesson is back
    assert (home / "convlab" / "notebooks" / "ko" / "my_notes.ipynb").read_text() == "{}"


def test_the_readmes_binder_address_opens_the_lesson_list_with_the_course_settings():
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    address = re.search(r"`(https://mybinder\.org/v2/gh/[^`\s]+)`", readme)
    assert address, "the README gives no Binder address"
    opened = parse_qs(urlsplit(address.group(1)).query)["urlpath"][0]
    assert opened.startswith("lab/tree/")
    assert {"en", "ko"} <= {p.name for p in (ROOT / opened.removeprefix("lab/tree/")).iterdir()}
    assert "python -m convlab.lab --install-settings" in (ROOT / "postBuild").read_text()
