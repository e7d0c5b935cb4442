"""The nbgitpuller link a teacher posts: one click clones the course into a student's home on
the hub, or pulls its updates, and opens the first lesson in the student's language.

nbgitpuller never overwrites a student's work: a file the student changed keeps the student's
version, a file the student deleted comes back, and a new lesson simply appears (its merge rules:
https://nbgitpuller.readthedocs.io/en/latest/topic/automatic-merging.html).
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlencode

from ..course.manifest import LESSONS, Lesson
from ..course.paths import CHECKOUT
from ..i18n import check_lang

#: The folder in each student's home that the course is cloned into.
TARGET = "convlab"


def lesson_path(lang: str, lesson: Lesson = LESSONS[0], target: str = TARGET) -> str:
    """The lesson's path inside a student's home, e.g. ``convlab/notebooks/ko/00_start_here.ipynb``."""
    return f"{target}/notebooks/{lesson.notebook(check_lang(lang))}"


def pull_query(repo: str, lang: str = "en", branch: str = "main",
               lesson: Lesson = LESSONS[0], target: str = TARGET) -> str:
    """The query nbgitpuller's ``git-pull`` handler reads: which repository, which branch, where
    to put it and which page to open afterwards (JupyterLab on the lesson)."""
    return urlencode({"repo": repo, "branch": branch, "targetpath": target,
                      "urlpath": f"lab/tree/{lesson_path(lang, lesson, target)}"})


def pull_link(hub: str, repo: str, lang: str = "en", branch: str = "main",
              lesson: Lesson = LESSONS[0], target: str = TARGET) -> str:
    """The link for every student of a hub: ``/hub/user-redirect/`` sends each one to their
    own server (starting it, after the login page if needed), which then pulls the course."""
    return (f"{hub.rstrip('/')}/hub/user-redirect/git-pull?"
            + pull_query(repo, lang, branch, lesson, target))


def default_repo(checkout: Path = CHECKOUT) -> str | None:
    """The repository the course was cloned from (``git remote get-url origin``), if any."""
    try:
        result = subprocess.run(["git", "-C", str(checkout), "remote", "get-url", "origin"],
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None
