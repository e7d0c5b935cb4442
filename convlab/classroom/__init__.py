"""A whole class: the pieces a teacher needs on top of the Jupyter ecosystem's own tools.

- :mod:`.links`: the nbgitpuller link that hands the lessons out and pulls updates without
  overwriting a student's work (JupyterHub, ``deploy/``);
- :mod:`.grading`: an nbgrader course whose autograded answers are the lessons' exercises;
- :mod:`.present`: an explorer full-screen on a projector, with Voilà;
- :mod:`.memory`: the peak memory of each lesson, measured, for the limits per student.

Run ``python -m convlab.classroom link|nbgrader|present|memory --help``; ``docs/teaching.md`` is
the guide. Everything reads the lesson manifest (:mod:`convlab.course.manifest`).
"""
from .grading import assignment, points, write_course
from .links import pull_link, pull_query
from .memory import measure_all, report
from .present import explorers, prepare

__all__ = ["pull_link", "pull_query", "write_course", "assignment", "points", "prepare",
           "explorers", "measure_all", "report"]
