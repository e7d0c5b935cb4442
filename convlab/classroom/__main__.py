"""``python -m convlab.classroom link|nbgrader|present|memory``: a whole class (docs/teaching.md)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ..course.manifest import LESSONS, lesson
from ..course.paths import LessonsNotFound, lessons_dir
from ..i18n import LANGS
from . import links


def _link(options: argparse.Namespace) -> None:
    repo = options.repo or links.default_repo()
    if not repo:
        raise SystemExit("link: this checkout has no git remote; pass --repo URL")
    print(links.pull_link(options.hub, repo, options.lang, options.branch,
                          lesson(options.lesson) if options.lesson else LESSONS[0],
                          options.target))


def _nbgrader(options: argparse.Namespace) -> None:
    from . import grading   # imports the exercises, and so PyTorch

    langs = (options.lang,) if options.lang else LANGS
    for path in grading.write_course(Path(options.out), lessons_dir(options.lessons), langs,
                                     options.only):
        print(path)


def _present(options: argparse.Namespace) -> None:
    from . import present

    names = [options.explorer] if options.explorer else present.explorers()
    if not options.explorer:
        print("explorers:", ", ".join(names))
        return
    command, env = present.prepare(names[0], options.lang, port=options.port, ip=options.ip)
    print(" ".join(command), flush=True)
    sys.exit(subprocess.call(command, env=env))


def _memory(options: argparse.Namespace) -> None:
    from . import memory

    os.environ.setdefault("CONVLAB_OFFLINE", "1")
    peaks = memory.measure_all(lessons_dir(options.lessons), options.lang, options.only)
    print(memory.report(peaks))


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one subcommand."""
    parser = argparse.ArgumentParser(prog="python -m convlab.classroom",
                                     description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    link = sub.add_parser("link", help="the nbgitpuller link students click")
    link.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.school.kr")
    link.add_argument("--repo", help="the course's git repository (default: this checkout's origin)")
    link.add_argument("--branch", default="main")
    link.add_argument("--lang", choices=LANGS, default="en")
    link.add_argument("--lesson", help="open this lesson (default: the first)")
    link.add_argument("--target", default=links.TARGET,
                      help="folder in each home (Zero to JupyterHub: work/convlab)")
    link.set_defaults(run=_link)
    grade = sub.add_parser("nbgrader", help="write an nbgrader course of the lessons' exercises")
    grade.add_argument("out", help="the course folder to write (nbgrader's CourseDirectory.root)")
    grade.add_argument("--lang", choices=LANGS, help="one language only (default: both)")
    grade.add_argument("--only", nargs="*", help="only these lessons (names or numbers)")
    grade.add_argument("--lessons", help="the lessons folder (default: the checkout's notebooks/)")
    grade.set_defaults(run=_nbgrader)
    show = sub.add_parser("present", help="serve one explorer full-screen with Voilà")
    show.add_argument("explorer", nargs="?", help="e.g. sliding_window (none: list them)")
    show.add_argument("--lang", choices=LANGS, default="en")
    show.add_argument("--port", type=int, default=8866)
    show.add_argument("--ip", default="127.0.0.1", help="0.0.0.0 to serve the classroom's network")
    show.set_defaults(run=_present)
    peak = sub.add_parser("memory", help="run every lesson and report its peak memory")
    peak.add_argument("--lang", choices=LANGS, default="en")
    peak.add_argument("--only", nargs="*", help="only these lessons (names or numbers)")
    peak.add_argument("--lessons", help="the lessons folder (default: the checkout's notebooks/)")
    peak.set_defaults(run=_memory)
    options = parser.parse_args(argv)
    try:
        options.run(options)
    except (LessonsNotFound, ValueError) as error:
        raise SystemExit(f"{options.command}: {error}") from None


if __name__ == "__main__":
    main()
