"""Texts in every language and kinds of answers: how an answer is read, compared and shown.

Part of the exercise framework (:mod:`convlab.exercises.framework`): a :class:`Text` holds one
message in every language of :data:`convlab.i18n.LANGS`; a :class:`Kind` says how to read an
answer (an int, a shape, a layer, a function...) and what to say about a wrong one.
"""
from __future__ import annotations

import numbers
import textwrap
from typing import Any, Iterable, Mapping, Optional

import numpy as np
import torch

from ..i18n import LANGS, check_lang, text


def meta(*shape: int) -> torch.Tensor:
    """A tensor with a shape and no values: PyTorch's shape rules (and errors), no arithmetic.

    Shape questions ask PyTorch on the "meta" device, so a check costs microseconds.
    """
    return torch.empty(*shape, device="meta")


class Text:
    """One message in every language of :data:`convlab.i18n.LANGS`: ``Text(en=..., ko=...)``."""

    __slots__ = ("by_lang",)

    def __init__(self, **by_lang: str) -> None:
        if set(by_lang) != set(LANGS):
            raise ValueError(f"a Text needs exactly the languages {LANGS}, got {tuple(by_lang)}")
        self.by_lang = {lang: textwrap.dedent(s).strip() for lang, s in by_lang.items()}

    def __call__(self, lang: str, values: Optional[Mapping[str, Any]] = None) -> str:
        """The text in ``lang`` with its ``{name}`` fields filled from ``values``."""
        raw = self.by_lang[check_lang(lang)]
        return raw.format(**values) if values is not None else raw


# ---------------------------------------------------------------------------------------------
# Kinds of answers: how to read one, compare two, and say what is off
# ---------------------------------------------------------------------------------------------

def as_int(answer: Any) -> Optional[int]:
    """``answer`` as an int (a float such as 3.0 or a one-element tensor counts), else None."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, numbers.Integral):
        return int(answer)
    if isinstance(answer, numbers.Real) and float(answer).is_integer():
        return int(answer)
    return None


def _items(answer: Any) -> Optional[list]:
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Iterable):
        return None
    return list(answer)


class Kind:
    """How answers of one kind are read (None if unreadable), compared and shown."""

    what: Text = Text(en="an answer", ko="답")

    def read(self, answer: Any) -> Any:
        return answer

    def same(self, a: Any, b: Any) -> bool:
        return a == b

    def feedback(self, value: Any, right: Any, lang: str) -> Optional[str]:
        """What a wrong answer gets right or wrong, without the right values."""
        return None

    def nearby(self, right: Any) -> Any:
        """A wrong answer close to ``right`` (for the tests), or None."""
        return None

    def show(self, value: Any) -> str:
        return repr(value)


class Integer(Kind):
    what = Text(en="a whole number", ko="정수")

    def read(self, answer: Any) -> Optional[int]:
        return as_int(answer)

    def nearby(self, right: int) -> int:
        return right + 1


class Ints(Kind):
    """A tuple of ints with a name per position, e.g. a shape ``(N, C_out, H_out, W_out)``."""

    def __init__(self, *names: str) -> None:
        self.names = names
        self.what = Text(en=f"a tuple of {len(names)} ints, such as ({', '.join(names)})",
                         ko=f"({', '.join(names)}) 같은 정수 {len(names)}개의 튜플")

    def read(self, answer: Any) -> Optional[tuple[int, ...]]:
        items = _items(answer)
        if items is None:
            return None
        values = [as_int(v) for v in items]
        return None if any(v is None for v in values) else tuple(values)  # type: ignore[misc]

    def feedback(self, value: tuple, right: tuple, lang: str) -> str:
        if len(value) != len(right):
            return text("exercises.count", lang, got=len(value), want=len(right),
                        names=", ".join(self.names))
        lines = []
        ok = [n for n, a, b in zip(self.names, value, right) if a == b]
        bad = [n for n, a, b in zip(self.names, value, right) if a != b]
        if ok:
            lines.append(text("exercises.dims_right", lang, names=", ".join(ok)))
        lines.append(text("exercises.dims_wrong", lang, names=", ".join(bad)))
        return "\n".join(lines)

    def nearby(self, right: tuple) -> tuple:
        return right[:-1] + (right[-1] + 1,)

    def show(self, value: tuple) -> str:
        return f"({', '.join(str(v) for v in value)})"


class Numbers(Kind):
    """``count`` real numbers, right within ``atol``."""

    def __init__(self, count: int, atol: float) -> None:
        self.count, self.atol = count, atol
        self.what = Text(en=f"{count} numbers in a tuple", ko=f"숫자 {count}개의 튜플")

    def read(self, answer: Any) -> Optional[tuple[float, ...]]:
        items = _items(answer)
        if items is None or len(items) != self.count:
            return None
        try:
            return tuple(float(v) for v in items)
        except (TypeError, ValueError):
            return None

    def same(self, a: tuple, b: tuple) -> bool:
        return all(abs(x - y) <= self.atol for x, y in zip(a, b))

    def nearby(self, right: tuple) -> tuple:
        return tuple(v + 1.0 for v in right)

    def show(self, value: tuple) -> str:
        return f"({', '.join(f'{v:.4g}' for v in value)})"


class Choice(Kind):
    """One of a few strings."""

    def __init__(self, *options: str) -> None:
        self.options = options
        listed = ", ".join(repr(o) for o in options)
        self.what = Text(en=f"one of {listed}", ko=f"{listed} 중 하나")

    def read(self, answer: Any) -> Optional[str]:
        return answer if isinstance(answer, str) and answer in self.options else None

    def nearby(self, right: str) -> str:
        return next(o for o in self.options if o != right)


class Array(Kind):
    """A nested list, array or tensor of the given ``shape`` (None: any size), as float64."""

    def __init__(self, shape: tuple[Optional[int], ...], what: Text) -> None:
        self.shape, self.what = shape, what

    def read(self, answer: Any) -> Optional[torch.Tensor]:
        try:
            value = torch.as_tensor(np.asarray(answer, dtype=np.float64))
        except (TypeError, ValueError):
            return None
        if value.dim() != len(self.shape):
            return None
        fits = all(want is None or got == want for got, want in zip(value.shape, self.shape))
        return value if fits else None

    def same(self, a: torch.Tensor, b: Any) -> bool:
        b = self.read(b)
        return b is not None and a.shape == b.shape and bool(torch.allclose(a, b))


class Layer(Kind):
    """An ``nn.Module`` (a layer the student built), judged by running it."""

    what = Text(en="a layer such as nn.Conv2d(...)", ko="nn.Conv2d(...) 같은 층")

    def read(self, answer: Any) -> Any:
        return answer if isinstance(answer, torch.nn.Module) else None

    def show(self, value: Any) -> str:
        return repr(value)


class Function(Kind):
    """A Python function the student wrote, judged by calling it."""

    what = Text(en="a function", ko="함수")

    def read(self, answer: Any) -> Any:
        return answer if callable(answer) and not isinstance(answer, type) else None

    def show(self, value: Any) -> str:
        return getattr(value, "__name__", repr(value))
