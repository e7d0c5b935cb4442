"""Every user-facing string convlab shows (labels, titles, help, messages), in English and Korean: one table,
kept in :mod:`convlab.i18n.strings` by the part of the course that shows it.

Korean follows the course glossary (notebooks/GLOSSARY.md) and uses the lessons' words:
합성곱, 커널, 커널 칸, 스트라이드, 패딩, 패딩 방식 (반사, 복제, 순환), 팽창, 그룹, 깊이별 합성곱,
점별 합성곱, 깊이별 분리 합성곱, 채널, 배치, 가중치, 편향, 모양, 값, 행/열, 매개변수, 특징 맵.
A label is the Korean term, then in parentheses what ties it to the code: ``입력 채널 (in_channels)``,
``배치 크기 (N)``, ``스트라이드 (행)``. Code names stay untranslated; tests/test_korean.py checks
all of it. Used by :mod:`convlab.explorers`, :mod:`convlab.figures`, :mod:`convlab.data` and
:mod:`convlab.course` (every lesson).
"""
from __future__ import annotations

from .strings import common, lessons_01_05, lessons_07_09

LANGS = ("en", "ko")


def _one_table(*tables: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The tables as one, refusing a key that two of them define (one place for each string)."""
    merged: dict[str, dict[str, str]] = {}
    for table in tables:
        for key, entry in table.items():
            if key in merged:
                raise KeyError(f"string {key!r} is defined twice")
            merged[key] = entry
    return merged


#: Every string, by key: ``STRINGS[key][lang]``.
STRINGS: dict[str, dict[str, str]] = _one_table(
    common.STRINGS, lessons_01_05.STRINGS, lessons_07_09.STRINGS)


def check_lang(lang: str) -> str:
    """Return ``lang`` if the explorers speak it, else raise a ``ValueError`` saying which do."""
    if lang not in LANGS:
        raise ValueError(f'lang must be "en" or "ko", got {lang!r}')
    return lang


def text(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``{name}`` fields filled from ``values``."""
    entry = STRINGS[key][check_lang(lang)]
    return entry.format(**values) if values else entry
