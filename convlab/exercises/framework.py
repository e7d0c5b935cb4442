"""The exercise framework: each exercise is declared once, as data, and that declaration drives
the check, the hints, the worked solution, the notebook's question cell and the tests.

The model is PyTorch's OpInfo (one declaration per op, read by every test). An :class:`Exercise`
holds its parameters (the numbers of the question, typed once), the question text, how to read
an answer (:class:`Kind`), the rule for the right answer (computed by PyTorch at check time, never
typed in), the typical wrong answers and what they mean (:class:`NearMiss`), hints that go from a
nudge to the formula, a worked solution (shown only after a few tries) and the explanation that
comes with a right answer. The lessons' exercises live in ``lesson00.py`` ... ``lesson06.py``.

Every text is a :class:`Text` in every language of :data:`convlab.i18n.LANGS`; ``{name}`` fields
in it are filled from the exercise's parameters and facts.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Iterable, Mapping, Optional

from ..figures import style
from ..i18n import check_lang, text
from .kinds import Kind, Text

#: Wrong answers before :func:`solution` shows the worked solution.
SOLUTION_AFTER = 3

P = SimpleNamespace          # an exercise's parameters, read as ``p.kernel``


# ---------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NearMiss:
    """A typical wrong answer (``example``, from the parameters) and what it means (``means``).

    Value answers match by equality with the example; answers judged by running them (layers,
    functions, kernels) match with ``matches(value, p)`` instead, and ``observe(value, p)`` may
    add what running it showed to the fields of ``means`` (e.g. ``{got}``, the output shape).
    """

    example: Callable[[P], Any]
    means: Text
    matches: Optional[Callable[[Any, P], bool]] = None
    observe: Callable[[Any, P], Mapping[str, Any]] = lambda value, p: {}

    def says(self, value: Any, exercise: "Exercise", lang: str) -> str:
        """The diagnosis of ``value``, in ``lang``."""
        return self.means(lang, {**exercise.values(), **self.observe(value, exercise.p)})


@dataclass(frozen=True)
class Exercise:
    """One exercise, declared once: the check, the hints, the solution and the tests read it.

    Value exercises give ``right(p)``, computed with PyTorch. Design tasks (any layer, kernel or
    function that does the job passes) give ``accept(value, p)``, which runs the answer, and
    ``example(p)``, one answer that passes. ``facts(p)`` holds values computed with PyTorch that
    the texts may show (``{name}``); ``{answer}`` is the right answer, in explanations and
    solutions only. ``transfer`` marks a task that applies the lesson's idea to a new case.
    """

    id: str
    lesson: str
    params: Mapping[str, Any]
    question: Text
    kind: Kind
    hints: tuple[Text, ...]
    solution: Text
    explanation: Text
    right: Optional[Callable[[P], Any]] = None
    accept: Optional[Callable[[Any, P], bool]] = None
    example: Optional[Callable[[P], Any]] = None
    near_misses: tuple[NearMiss, ...] = ()
    facts: Callable[[P], Mapping[str, Any]] = lambda p: {}
    transfer: bool = False

    def __post_init__(self) -> None:
        if not self.id.startswith(self.lesson[:2] + "-"):
            raise ValueError(f"exercise {self.id} must start with its lesson number")
        if (self.right is None) == (self.accept is None) or (self.accept and not self.example):
            raise ValueError(f"{self.id}: give right(p), or accept(value, p) and example(p)")
        if len(self.hints) < 2:
            raise ValueError(f"{self.id}: give a nudge and then the formula (two hints at least)")

    @property
    def p(self) -> P:
        return P(**self.params)

    def values(self) -> dict[str, Any]:
        """The fields every text may use: the parameters and the facts."""
        p = self.p
        return {**self.params, **self.facts(p)}

    def right_answer(self) -> Any:
        """The right answer (computed now, with PyTorch), or the example of a design task."""
        return self.right(self.p) if self.right is not None else self.example(self.p)

    def is_right(self, value: Any) -> bool:
        p = self.p
        if self.accept is not None:
            return bool(self.accept(value, p))
        return self.kind.same(value, self.right(p))

    def diagnose(self, value: Any) -> Optional[NearMiss]:
        """The first declared near miss that ``value`` matches, if any."""
        p = self.p
        for miss in self.near_misses:
            hit = (miss.matches(value, p) if miss.matches is not None
                   else self.kind.same(value, self.kind.read(miss.example(p))))
            if hit:
                return miss
        return None


# ---------------------------------------------------------------------------------------------
# What the student sees
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Note:
    """A message about an exercise (a hint, a solution), shown as a box in Jupyter."""

    exercise: str
    message: str

    colour = style.KERNEL

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        return (f'<div style="border-left: 4px solid {self.colour}; padding: 4px 10px; '
                f'white-space: pre-wrap">{html.escape(self.message)}</div>')


@dataclass(frozen=True, repr=False)
class CheckResult(Note):
    """What :func:`check` found: shown as a friendly message, true when the answer is right."""

    correct: bool = False

    def __bool__(self) -> bool:
        return self.correct

    @property
    def colour(self) -> str:  # type: ignore[override]
        return style.OUTPUT if self.correct else style.DROPPED


@dataclass
class Progress:
    """One student's tries at one exercise, in this Python session."""

    tries: int = 0          # wrong answers so far
    hints: int = 0          # hints shown so far
    solved: bool = False


EXERCISES: dict[str, Exercise] = {}
PROGRESS: dict[str, Progress] = {}


def register(declared: Iterable[Exercise]) -> None:
    for exercise in declared:
        if exercise.id in EXERCISES:
            raise ValueError(f"exercise {exercise.id} is declared twice")
        EXERCISES[exercise.id] = exercise


def get(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(EXERCISES)}") from None


def progress(exercise_id: str) -> Progress:
    return PROGRESS.setdefault(get(exercise_id).id, Progress())


def reset(exercise_id: Optional[str] = None) -> None:
    """Forget the tries and hints of one exercise, or of all."""
    if exercise_id is None:
        PROGRESS.clear()
    else:
        PROGRESS.pop(get(exercise_id).id, None)


def ids(lesson: Optional[str] = None) -> list[str]:
    """Exercise ids in course order; only those of ``lesson`` (e.g. "01_conv2d_basics") if given."""
    return [e.id for e in EXERCISES.values() if lesson is None or e.lesson == lesson]


def question(exercise_id: str, lang: str = "en") -> str:
    """The question of an exercise (Markdown), in ``lang``."""
    exercise = get(exercise_id)
    return exercise.question(lang, exercise.values())


def _hint_text(exercise: Exercise, level: int, lang: str) -> str:
    hint_text = exercise.hints[min(level, len(exercise.hints) - 1)](lang, exercise.values())
    return text("exercises.hint", lang, n=min(level, len(exercise.hints) - 1) + 1,
                of=len(exercise.hints), hint=hint_text)


def _raised(error: Exception, lang: str) -> str:
    return text("exercises.raised", lang, error=type(error).__name__, detail=str(error))


def _wrong(exercise: Exercise, value: Any, lang: str, error: Optional[Exception]) -> str:
    """The message for a wrong answer: what it means, the next hint, and the solution's door."""
    state = progress(exercise.id)
    state.tries += 1
    try:
        miss = exercise.diagnose(value)
    except Exception:  # noqa: BLE001 - a student's answer that breaks a diagnosis matches none
        miss = None
    if miss is not None:
        lines = [miss.says(value, exercise, lang)]
    elif error is not None:
        lines = [_raised(error, lang)]
    else:
        right = exercise.right(exercise.p) if exercise.right is not None else None
        said = exercise.kind.feedback(value, right, lang) if right is not None else None
        lines = [said] if said else []
    level = max(state.tries, state.hints) - 1      # never a hint before one already seen
    lines.append(_hint_text(exercise, level, lang))
    state.hints = max(state.hints, level + 1)
    if state.tries >= SOLUTION_AFTER:
        lines.append(text("exercises.solution_open", lang, id=exercise.id))
    return "\n".join(lines)


def check(exercise_id: str, answer: Any, lang: str = "en") -> CheckResult:
    """Judge ``answer`` to exercise ``exercise_id``; the result shows as a message in ``lang``.

    Right: "Right!" and why. Wrong: "Not yet.", what the mistake means when it is a typical one,
    and the next hint (never the answer). ``None`` (the notebooks' placeholder) means "no answer
    yet" and does not count as a try.
    """
    lang = check_lang(lang)
    exercise = get(exercise_id)
    if answer is None or answer is Ellipsis:
        return CheckResult(exercise.id, text("exercises.no_answer", lang))
    value = exercise.kind.read(answer)
    if value is None:
        return CheckResult(exercise.id, text("exercises.not_yet", lang) + " " + text(
            "exercises.kind", lang, what=exercise.kind.what(lang)))
    error: Optional[Exception] = None
    try:
        correct = exercise.is_right(value)
    except Exception as exc:  # noqa: BLE001 - a student's function or layer may fail in any way
        correct, error = False, exc
    if correct:
        progress(exercise.id).solved = True
        values = {**exercise.values(), "answer": exercise.kind.show(exercise.right_answer())}
        return CheckResult(exercise.id, text("exercises.right", lang) + " "
                           + exercise.explanation(lang, values), correct=True)
    return CheckResult(exercise.id, text("exercises.not_yet", lang) + " "
                       + _wrong(exercise, value, lang, error))


def hint(exercise_id: str, lang: str = "en") -> Note:
    """The next hint of an exercise: first a nudge, then the formula to use."""
    lang = check_lang(lang)
    exercise = get(exercise_id)
    state = progress(exercise.id)
    note = Note(exercise.id, _hint_text(exercise, state.hints, lang))
    state.hints += 1
    return note


def solution(exercise_id: str, lang: str = "en") -> Note:
    """The worked solution, once the student has tried a few times (or solved it)."""
    lang = check_lang(lang)
    exercise = get(exercise_id)
    state = progress(exercise.id)
    if not state.solved and state.tries < SOLUTION_AFTER:
        return Note(exercise.id, text("exercises.solution_wait", lang, after=SOLUTION_AFTER,
                                      tries=state.tries, id=exercise.id))
    values = {**exercise.values(), "answer": exercise.kind.show(exercise.right_answer())}
    return Note(exercise.id, text("exercises.solution", lang) + "\n"
                + exercise.solution(lang, values))
