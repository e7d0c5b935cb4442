"""Cell constructors for the lesson sources (``tools/lessons/l*.py``).

- ``md(en, ko)``: a Markdown cell, its English and its Korean text.
- ``md_at(anchor, en, ko)``: the same, starting with ``<a id="anchor"></a>`` in both languages, so
  that a link ``[...](#anchor)`` (a lesson's "check yourself" summary) leads to it.
- ``code(src, *tags)``: a code cell written ONCE for both languages. Inside ``src``:
    ``$LANG``            becomes ``"en"`` or ``"ko"`` (the ``lang=`` argument of convlab's functions);
    ``«english|한국어»``   becomes the text of that language (only inside comments and strings:
                         tests/test_notebooks_parity.py checks the code is otherwise identical).
- ``exercises({id: starter_src, ...})``: how the checks, hints and solutions work, then per
  exercise its question (taken from ``convlab.exercises``, so the question and the check never
  disagree) and a starter cell.

Tags: ``seed:<marker>`` ties a cell to a fact of the seed post (docs/seed-checklist.md),
``raises-exception`` marks a cell that fails on purpose (nbval and JupyterLab's Run All go on),
``exercise:<id>`` marks an exercise's starter cell, ``claim:<name>`` a cell whose printed claim
tests/test_lesson_claims.py checks against PyTorch.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from convlab import exercises as _exercises
from convlab.i18n import LANGS

_PAIR = re.compile(r"«([^«»|]*)\|([^«»]*)»")


@dataclass(frozen=True)
class Cell:
    kind: str                  # "markdown" or "code"
    text: dict                 # lang -> source
    tags: tuple = ()

    def source(self, lang: str) -> str:
        return self.text[lang]


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(en: str, ko: str, *tags: str) -> Cell:
    """A Markdown cell; ``en`` and ``ko`` are the two languages' texts."""
    return Cell("markdown", {"en": _clean(en), "ko": _clean(ko)}, tuple(tags))


def md_at(anchor: str, en: str, ko: str, *tags: str) -> Cell:
    """A Markdown cell that a link ``[...](#anchor)`` can point to (same anchor in both languages)."""
    if not re.fullmatch(r"[a-z0-9-]+", anchor):
        raise ValueError(f"anchor {anchor!r}: use lower-case letters, digits and '-'")
    cell = md(en, ko, *tags)
    return Cell("markdown", {lang: f'<a id="{anchor}"></a>\n\n{text}' for lang, text in cell.text.items()},
                cell.tags)


def localize(src: str, lang: str) -> str:
    """Resolve ``$LANG`` and ``«english|한국어»`` for ``lang``."""
    index = LANGS.index(lang)
    out = _PAIR.sub(lambda m: m.group(1 + index), src)
    if "«" in out or "»" in out:
        raise ValueError(f"unbalanced «...|...» in:\n{src}")
    return out.replace("$LANG", f'"{lang}"')


def code(src: str, *tags: str) -> Cell:
    """A code cell shared by both languages (see the module docstring for ``$LANG`` and «|»)."""
    src = _clean(src)
    return Cell("code", {lang: localize(src, lang) for lang in LANGS}, tuple(tags))


def exercises(starters: dict) -> list:
    """How the checks work, then question + starter cell for each exercise id, numbered in order.

    The questions come from ``convlab.exercises`` (each exercise is declared once there); a
    transfer task, which applies the lesson to a new case, says so in its heading.
    """
    first = next(iter(starters))
    cells = [md(
        f"""
        Write your answer in the cell under each question and run it: the check says whether it
        is right and why. A wrong answer gets a hint, first a nudge and then the formula;
        `exercises.hint("{first}", lang="en")` gives the next hint at any time. After
        {_exercises.SOLUTION_AFTER} tries, `exercises.solution("{first}", lang="en")` shows a
        worked solution.
        """, f"""
        질문 아래 셀에 답을 쓰고 실행하세요. 답이 맞는지, 왜 그런지 알려 줍니다. 틀리면 힌트가
        나옵니다. 처음에는 방향을, 그다음에는 써야 할 식을 알려 줍니다.
        `exercises.hint("{first}", lang="ko")`로 언제든 다음 힌트를 볼 수 있습니다.
        {_exercises.SOLUTION_AFTER}번 시도한 뒤에는 `exercises.solution("{first}", lang="ko")`로
        풀이를 볼 수 있습니다.
        """)]
    for number, (exercise_id, starter) in enumerate(starters.items(), start=1):
        transfer = _exercises.EXERCISES[exercise_id].transfer
        cells.append(md(
            f"### Exercise {number}{' (transfer)' if transfer else ''}\n\n"
            f"{_exercises.question(exercise_id, 'en')}",
            f"### 연습 문제 {number}{' (응용)' if transfer else ''}\n\n"
            f"{_exercises.question(exercise_id, 'ko')}"))
        src = _clean(starter)
        if f'"{exercise_id}"' not in src:
            raise ValueError(f"the starter of {exercise_id} must call exercises.check on it")
        cells.append(code(src, f"exercise:{exercise_id}"))
    return cells


# Shared cells ------------------------------------------------------------------------------------

SETUP = code("""
%matplotlib inline
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt

import convlab
from convlab import exercises

_ = torch.manual_seed(0)    # «the same random numbers on every run|실행할 때마다 같은 난수가 나오게 합니다»
""")
