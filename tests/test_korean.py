"""The Korean lessons and explorer strings follow notebooks/GLOSSARY.md, lesson by lesson.

Checked on every Korean notebook (Markdown, and the Korean comments and strings of code cells):

- glosses ``한국어(English)`` are few (at most ten per lesson), each English at most once, never
  in a heading or a table, and never on a term the glossary marks as not glossed (스트라이드(stride),
  층(layer), 기본값(default));
- no English word of the glossary stands bare in Korean prose (code font is fine);
- the calques of the glossary's last table and the variants of its "never write" column do not
  appear, and 세로/가로 never stand for rows and columns;
- every lesson uses its core terms (lesson 04 says 합성곱);
- sentences end in the 합니다 style.

And on the string catalogue (convlab/i18n/strings/, read through convlab.i18n.text): every label and readout uses the
glossary's term for each English term it translates, in the one label format
``입력 채널 (in_channels)``; no glosses, bare English, calques or variants; and a lesson that
names a control quotes the explorer's own Korean label.

Each test is parametrised by lesson, so a lesson that does not follow the rules fails on its own.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pytest

from convlab.i18n import STRINGS
from test_notebooks_parity import LESSONS, NOTEBOOKS, cells, markdown_lines, strings_and_comments

HANGUL = re.compile(r"[\uac00-\ud7a3]")
MAX_GLOSSES = 10


# --- the glossary --------------------------------------------------------------------------------

def _table_rows(header: str) -> list[list[str]]:
    """Rows of the Markdown table in notebooks/GLOSSARY.md whose first header cell is ``header``."""
    rows, inside = [], False
    for line in (NOTEBOOKS / "GLOSSARY.md").read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("|"):
            inside = False
            continue
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if cols[0] == header:
            inside = True
            continue
        if inside and not set("".join(cols)) <= set("-: "):
            rows.append(cols)
    return rows


@lru_cache(maxsize=None)
def glossary() -> tuple[dict, ...]:
    """Rows of the term table: english, korean, never (list), gloss (bool)."""
    rows = []
    for cols in _table_rows("English"):
        assert len(cols) == 5, cols
        assert cols[3] in ("yes", "no"), cols
        rows.append({"english": cols[0], "korean": cols[1],
                     "never": [v.strip() for v in cols[2].split(",") if v.strip()],
                     "gloss": cols[3] == "yes"})
    return tuple(rows)


#: The calques table's literal forms (first column) and how each is recognised in Korean text.
CALQUES = {
    "창이 미끄러지다 (slide)": r"미끄러",
    "...을 거절하다 (PyTorch refuses)": r"거절",
    "조용히 (silently)": r"조용히",
    "기울기를 요구하다 (requires grad)": r"기울기를\s*요구|기울기\s*요구",
    "칸을 읽다 / 칸에 쓰다 (an index reads/writes a cell)":
        r"(칸|행|열|채널|입력|값)[은는을를이가도만]?\s?읽|읽히|(칸|행|열)[에을를]\s?(쓰|씁|써)",
    "싸다 (cheap)": r"(?<!비)(싸[다고며서지요]|싼\s|쌉니다|싸게)",
    "자신 (itself)": r"자신",
}

#: Words every Korean lesson must use: its core terms.
CORE_TERMS = {
    "00_start_here": ["합성곱", "탐색기", "연습 문제", "모양", "슬라이더"],
    "01_conv2d_basics": ["합성곱", "교차 상관", "출력 크기", "모양", "가중치", "편향", "인자", "기본값"],
    "02_stride_padding_dilation": ["스트라이드", "패딩", "패딩 방식", "팽창", "내림", "수용 영역",
                                   "합성곱"],
    "03_groups_depthwise": ["그룹", "깊이별 합성곱", "점별 합성곱", "깊이별 분리 합성곱", "매개변수",
                            "곱셈-덧셈"],
    "04_mnist_and_weights": ["합성곱", "가중치", "특징 맵", "기울기", "정규화"],
    "05_channel_arithmetic": ["합성곱", "가중치", "편향", "브로드캐스팅", "정규화"],
    "06_conv2d_from_scratch": ["합성곱", "단순 구현", "벡터화 구현", "기울기"],
    "07_learning_filters": ["합성곱", "경사 하강법", "손실", "학습률", "기울기", "특징 맵", "정확도"],
    "08_backward_and_transposed": ["합성곱", "전치 합성곱", "기울기", "역전파", "출력 크기", "팽창"],
    "09_receptive_fields_and_pooling": ["수용 영역", "풀링", "점화식", "기울기", "팽창", "스트라이드",
                                        "가중치"],
}

#: The arguments of nn.Conv2d that explorers offer as controls, and their Korean terms.
ARGUMENT_TERMS = {"in_channels": "입력 채널", "out_channels": "출력 채널", "kernel_size": "커널 크기",
                  "stride": "스트라이드", "padding": "패딩", "dilation": "팽창", "groups": "그룹",
                  "bias": "편향", "padding_mode": "패딩 방식"}


def test_the_glossary_has_one_korean_term_per_concept_and_keeps_the_shared_core():
    rows = glossary()
    korean = [r["korean"] for r in rows]
    assert len(korean) == len(set(korean)), "a Korean term is listed twice"
    table = {r["english"]: r for r in rows}
    core = {"convolution": "합성곱", "cross-correlation": "교차 상관", "stride": "스트라이드",
            "padding": "패딩", "dilation": "팽창", "depthwise convolution": "깊이별 합성곱",
            "pointwise convolution": "점별 합성곱", "weight": "가중치", "bias": "편향",
            "feature map": "특징 맵", "gradient": "기울기", "normalization": "정규화",
            "shape": "모양", "value": "값", "row": "행", "column": "열",
            "multiply-add": "곱셈-덧셈", "parameter": "매개변수", "argument": "인자"}
    for english, korean_term in core.items():
        assert table[english]["korean"] == korean_term, english
    never = {v for r in rows for v in r["never"]}
    assert {"컨볼루션", "보폭", "특성 맵", "변화도", "파라미터"} <= never
    for english in ("stride", "padding", "kernel", "channel", "layer", "argument", "default",
                    "window", "output size"):
        assert not table[english]["gloss"], f"{english}: transliterations and everyday words " \
                                            "are not glossed"


def test_the_calques_table_and_the_test_list_the_same_literals():
    assert [cols[0] for cols in _table_rows("literal")] == list(CALQUES)


def test_every_argument_term_is_the_glossary_term():
    table = {r["english"]: r["korean"] for r in glossary()}
    english = {"in_channels": "input channel", "out_channels": "output channel",
               "kernel_size": None, "stride": "stride", "padding": "padding",
               "dilation": "dilation", "groups": "group", "bias": "bias",
               "padding_mode": "padding mode"}
    for name, term in ARGUMENT_TERMS.items():
        if english[name]:
            assert table[english[name]] == term, name


# --- reading the Korean lessons ------------------------------------------------------------------

def _inline(text: str) -> str:
    """A Markdown line without code spans, maths, link targets or HTML."""
    text = re.sub(r"\$[^$\n]*\$", " ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return re.sub(r"<[^>\n]+>", " ", text)


def markdown_parts(lesson: str) -> list[tuple[str, str]]:
    """(kind, text) for every line of the Korean lesson's Markdown: heading, table or prose."""
    parts = []
    for cell in cells("ko", lesson, "markdown"):
        source = re.sub(r"\$\$.*?\$\$", " ", cell.source, flags=re.S)
        for line in markdown_lines(source):
            kind = "heading" if re.match(r"#{1,6}\s", line) else \
                   "table" if line.lstrip().startswith("|") else "prose"
            parts.append((kind, _inline(line)))
    return parts


def code_texts(lesson: str) -> list[str]:
    """The Korean comments and strings of the Korean lesson's code cells."""
    return [t for c in cells("ko", lesson, "code") for t in strings_and_comments(c.source)
            if HANGUL.search(t)]


def _without_code_names(text: str) -> str:
    """Drop code written without code font (comments, strings, labels): ``a=b``, ``"reflect"``,
    names with ``_``, ``.``, ``/`` or ``·`` in them (``in_channels/groups``, ``i·stride``)."""
    text = re.sub(r"[\w.\[\]]+\s*=\s*[\w.\[\]\"'{}]+", " ", text)
    text = re.sub(r"\"[A-Za-z_]+\"|'[A-Za-z_]+'", " ", text)
    return re.sub(r"\w*[_./·]\w[\w./·]*", " ", text)


def korean_text(lesson: str) -> str:
    """Everything the student reads in Korean in one lesson, as one string per line."""
    return "\n".join([text for _, text in markdown_parts(lesson)] + code_texts(lesson))


# A gloss follows its Korean term directly, or its closing ** when the term is bold: Markdown
# closes ** before a bracket, not after one (`**수용 영역**(receptive field)이`).
GLOSS = re.compile(r"(?:(?<=[가-힣])|(?<=[가-힣]\*\*))\(([A-Za-z][A-Za-z0-9 '’-]*)\)")
LATIN_EDGE = r"(?<![A-Za-z0-9_-])", r"(?![A-Za-z0-9_-])"     # Hangul may touch an English word
#: 세로/가로 standing for rows and columns (세로 경계, a vertical edge, is fine), as words:
#: not the 가로 inside 추가로.
ROWS_AS_SEROGARO = re.compile(r"(?<![가-힣])(세로|가로)(?!\s*경계)")


def glosses(text: str) -> list[tuple[str, str]]:
    """(Korean before it, English) for every ``한국어(English)`` in ``text``."""
    return [(text[:m.start()].rstrip(), m.group(1).strip()) for m in GLOSS.finditer(text)]


def glossed_row(before: str) -> dict | None:
    """The glossary row whose Korean term ends the text ``before`` a gloss (the longest one)."""
    found = [r for r in glossary() if before.endswith(r["korean"])]
    return max(found, key=lambda r: len(r["korean"]), default=None)


def bare_english(text: str) -> list[str]:
    """Glossary English words standing bare in Korean ``text`` (glosses and code names aside)."""
    text = GLOSS.sub(" ", _without_code_names(text))
    return [m.group(0) for m in _english_words().finditer(text)]


@lru_cache(maxsize=None)
def _english_words() -> re.Pattern:
    """One pattern for every English word of the glossary (longest first), plural or not."""
    words = sorted((r["english"] for r in glossary()), key=len, reverse=True)
    return re.compile(LATIN_EDGE[0] + "(?:" + "|".join(map(re.escape, words)) + r")(?:s|es)?"
                      + LATIN_EDGE[1], flags=re.I)


def test_the_readers_find_glosses_bare_words_and_calques():
    """The checks below can fail: each reader finds what it is meant to find."""
    assert [e for _, e in glosses("합성곱(convolution)과 `x`(code), 블록 (MobileNet), 개(groups=1)")] == \
        ["convolution"]
    assert glossed_row("깊이별 분리 합성곱")["english"] == "depthwise separable convolution"
    assert bare_english("출력 shape을 보세요") == ["shape"]
    assert bare_english("합성곱(convolution)입니다. groups=2, in_channels로") == []
    assert sorted(bare_english("가중치 weights와 kernel")) == ["kernel", "weights"]
    assert re.search(CALQUES["싸다 (cheap)"], "계산이 싼 것은") and \
        not re.search(CALQUES["싸다 (cheap)"], "비싼 계산")
    assert re.search(CALQUES["칸을 읽다 / 칸에 쓰다 (an index reads/writes a cell)"], "5행은 읽히지 않습니다")


# --- the lessons ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lesson", LESSONS)
def test_glosses_are_few_once_each_and_only_on_terms_that_need_them(lesson):
    problems, seen = [], []
    for kind, text in markdown_parts(lesson):
        for before, english in glosses(text):
            if kind != "prose":
                problems.append(f"gloss in a {kind}: …{before[-12:]}({english})")
                continue
            row = glossed_row(before)
            if row is not None and not row["gloss"]:
                problems.append(f"{row['korean']}({english}): the glossary says not to gloss it")
            if english.lower() in seen:
                problems.append(f"({english}) glossed twice")
            seen.append(english.lower())
    for text in code_texts(lesson):
        for before, english in glosses(text):
            problems.append(f"gloss in code: …{before[-12:]}({english})")
            seen.append(english.lower())
    if len(seen) > MAX_GLOSSES:
        problems.append(f"{len(seen)} glosses (at most {MAX_GLOSSES}): {seen}")
    assert not problems, f"{lesson}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_glossary_word_stands_bare_in_korean(lesson):
    found = {}
    for text in korean_text(lesson).splitlines():
        for word in bare_english(text):
            found.setdefault(word, text.strip()[:80])
    assert not found, f"{lesson}: write the Korean term or the code name in code font: {found}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_calques_or_variants_in_korean(lesson):
    text = korean_text(lesson)
    problems = [f"{literal}: …{text[max(0, m.start() - 15):m.end() + 15]}…"
                for literal, pattern in CALQUES.items() for m in re.finditer(pattern, text)]
    problems += [f"{variant!r}: write {row['korean']!r}"
                 for row in glossary() for variant in row["never"] if variant in text]
    problems += [f"세로/가로 for rows or columns: …{text[max(0, m.start() - 15):m.end() + 15]}…"
                 for m in ROWS_AS_SEROGARO.finditer(text)]
    assert not problems, f"{lesson}:\n" + "\n".join(problems)


def test_every_lesson_has_its_core_terms_listed():
    assert sorted(CORE_TERMS) == sorted(LESSONS)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_korean_lesson_uses_its_core_terms(lesson):
    text = korean_text(lesson)
    missing = [term for term in CORE_TERMS[lesson] if term not in text]
    assert not missing, f"{lesson} never says {missing}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_korean_prose_uses_the_formal_style(lesson):
    """Sentences end in -ㅂ니다/-습니다 (or -ㅂ시다; instructions may end in -세요, questions in -까요?)."""
    body = "\n".join(text for kind, text in markdown_parts(lesson) if kind != "table")
    bad = []
    for match in re.finditer(r"([가-힣]+)[.!?]", body):
        word = match.group(1)
        if word.endswith("다") and not word.endswith(("니다", "시다")):
            bad.append(word)
        if word.endswith("요") and not word.endswith(("세요", "까요")):
            bad.append(word)
    assert not bad, f"{lesson}: {bad}"


def _quoted_labels(text: str) -> list[str]:
    """Strings in double quotes outside code spans: how a lesson names a control."""
    return re.findall(r"\"([^\"\n]+)\"", re.sub(r"`[^`\n]*`", " ", text))


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_lesson_quotes_the_explorers_own_korean_labels(lesson):
    """A control named in the English lesson ("kernel height") is named by its Korean label."""
    by_english = {entry["en"]: entry["ko"] for entry in STRINGS.values()}
    english = [c.source for c in cells("en", lesson, "markdown")]
    korean = [c.source for c in cells("ko", lesson, "markdown")]
    missing = []
    for en, ko in zip(english, korean):
        for label in _quoted_labels(en):
            if label in by_english and f"\"{by_english[label]}\"" not in ko:
                missing.append(f"\"{label}\" should be \"{by_english[label]}\"")
    assert not missing, f"{lesson}: {missing}"


# --- the explorers' strings ---------------------------------------------------------------------

def _plain(text: str) -> str:
    """A catalogue string without HTML code, {fields}, label qualifiers and code names."""
    text = re.sub(r"<code>.*?</code>", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\{\w*\}", " ", _without_code_names(text))


#: Keys named like an argument that label a colour in a figure's legend, not a control.
LEGEND_KEYS = {"padding"}


def test_korean_labels_use_one_format_and_the_arguments_terms():
    problems = []
    for key, entry in STRINGS.items():
        ko = entry["ko"]
        control = (key in ARGUMENT_TERMS and key not in LEGEND_KEYS) or \
            (entry["en"] in ARGUMENT_TERMS and "_" in entry["en"])
        if control and ko != f"{ARGUMENT_TERMS[entry['en']]} ({entry['en']})":
            want = f"{ARGUMENT_TERMS[entry['en']]} ({entry['en']})"
            problems.append(f"{key}: {ko!r}, want {want!r}")
        if re.search(r"[가-힣] [A-Za-z_]+$", ko):
            problems.append(f"{key}: {ko!r}: the code name or symbol goes in parentheses")
        if re.match(r"[A-Za-z_]+ \([가-힣 ]+\)$", ko):
            problems.append(f"{key}: {ko!r}: the Korean term first, the code name in parentheses")
    assert not problems, "\n".join(problems)


def test_korean_strings_use_the_glossary_term_for_every_english_term():
    rows = sorted(glossary(), key=lambda r: -len(r["english"]))
    problems = []
    for key, entry in STRINGS.items():
        english = _plain(entry["en"])
        for row in rows:
            pattern = LATIN_EDGE[0] + re.escape(row["english"]) + r"(?:s|es)?" + LATIN_EDGE[1]
            if re.search(pattern, english, flags=re.I):
                english = re.sub(pattern, " ", english, flags=re.I)   # "batch size" is not "batch"
                if row["korean"] not in entry["ko"]:
                    problems.append(f"{key}: {entry['en']!r} -> {entry['ko']!r} "
                                    f"lacks {row['korean']!r}")
    assert not problems, "\n".join(problems)


def test_korean_strings_have_no_gloss_bare_english_calque_or_variant():
    problems = []
    for key, entry in STRINGS.items():
        ko = entry["ko"]
        plain = re.sub(r"(?<=[가-힣0-9]) \([^()가-힣]*\)", " ", _plain(ko))   # 입력 채널 (in_channels)
        problems += [f"{key}: gloss {e!r}" for _, e in glosses(ko)]
        problems += [f"{key}: bare {w!r}" for w in bare_english(plain)]
        problems += [f"{key}: calque {literal}" for literal, pattern in CALQUES.items()
                     if re.search(pattern, ko)]
        problems += [f"{key}: {v!r}" for row in glossary() for v in row["never"] if v in ko]
        problems += [f"{key}: 세로/가로 for rows or columns" for _ in ROWS_AS_SEROGARO.finditer(ko)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSONS)
def test_bold_text_ends_where_markdown_can_end_it(lesson):
    # CommonMark does not close ** after punctuation when a letter follows: "**(...)**이" shows
    # its asterisks. Bold the term and leave the bracket outside: "**수용 영역**(receptive field)이".
    stuck = [text for _, text in markdown_parts(lesson) if re.search(r"[)\]]\*\*[가-힣A-Za-z]", text)]
    assert not stuck, stuck
