"""The lessons: both languages, same code, stored clean, Korean held to the glossary, seed covered.

- notebooks/en and notebooks/ko hold the same lesson files, with the same code cells once strings
  and comments are masked, the same heading structure and the same cell tags;
- every notebook is stored clean (no outputs, execution counts or widget state) and is exactly
  what tools/build_notebooks.py builds from tools/lessons/;
- English notebooks contain no Korean, and every Korean Markdown cell is written in Korean (the
  Korean itself is held to notebooks/GLOSSARY.md by tests/test_korean.py);
- every exercise of convlab.exercises has its cell in its lesson;
- docs/seed-checklist.md maps every fact of the seed post to a tagged cell that exists, and
  every seed tag in the notebooks is listed there.

The notebooks' execution is tested by nbval (``pytest --nbval-lax notebooks/``).
"""
from __future__ import annotations

import importlib.util
import io
import re
import sys
import tokenize
from pathlib import Path

import nbformat
import pytest

from convlab import exercises
from convlab.course.manifest import LESSONS as MANIFEST
from convlab.i18n import LANGS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = tuple(item.name for item in MANIFEST)
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def load(lang: str, lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / lang / f"{lesson}.ipynb", as_version=4)


def cells(lang: str, lesson: str, kind: str) -> list:
    return [c for c in load(lang, lesson).cells if c.cell_type == kind]


def masked_code(source: str) -> list[str]:
    """The code's tokens with every string literal replaced by <str> and comments dropped."""
    out: list[str] = []
    depth = 0          # inside an f-string (Python 3.12+ tokenizes their parts)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        name = tokenize.tok_name[tok.type]
        if name == "FSTRING_START":
            depth += 1
            continue
        if name == "FSTRING_END":
            depth -= 1
            if depth == 0 and (not out or out[-1] != "<str>"):
                out.append("<str>")
            continue
        if depth or name in ("COMMENT", "NL", "ENDMARKER"):
            continue
        if name == "STRING":
            if not out or out[-1] != "<str>":    # "a" "b" (implicit concatenation) is one string
                out.append("<str>")
            continue
        out.append(f"{name}:{tok.string}")
    return out


def strings_and_comments(source: str) -> list[str]:
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tokenize.tok_name[tok.type] in ("STRING", "COMMENT", "FSTRING_MIDDLE"):
            found.append(tok.string)
    return found


def markdown_lines(source: str) -> list[str]:
    """Lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in source.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def heading_levels(nb: nbformat.NotebookNode) -> list[int]:
    levels = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in markdown_lines(cell.source):
                match = re.match(r"(#{1,6})\s", line)
                if match:
                    levels.append(len(match.group(1)))
    return levels


def prose(source: str, headings: bool) -> str:
    """Markdown as running text: no code spans, maths, link targets or HTML (headings optional)."""
    lines = [line for line in markdown_lines(source)
             if headings or not re.match(r"#{1,6}\s", line)]
    text = "\n".join(lines)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]*\$", " ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[^>\n]+>", " ", text)
    return re.sub(r"\s+", " ", text)          # a line break inside a term is still the term


# --- files ---------------------------------------------------------------------------------------

def test_every_lesson_exists_in_both_languages_and_nothing_else():
    for lang in LANGS:
        found = sorted(p.stem for p in (NOTEBOOKS / lang).glob("*.ipynb"))
        assert found == sorted(LESSONS), lang


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lesson", LESSONS)
def test_notebooks_are_stored_clean(lang, lesson):
    nb = load(lang, lesson)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert "widgets" not in nb.metadata, "widget state is stored"
    assert set(nb.metadata) <= {"kernelspec", "language_info"}
    for cell in nb.cells:
        assert set(cell.metadata) <= {"tags"}, (cell.id, dict(cell.metadata))
        if cell.cell_type == "code":
            assert cell.outputs == [], f"outputs stored in {cell.id}"
            assert cell.execution_count is None, f"execution count stored in {cell.id}"
        assert "attachments" not in cell


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  ROOT / "tools" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_notebooks", module)
    spec.loader.exec_module(module)
    return module


def test_notebooks_are_exactly_what_tools_build_notebooks_makes():
    stale = [str(path.relative_to(ROOT)) for path, text in _builder().targets().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"run python tools/build_notebooks.py: {stale}"


# --- parity --------------------------------------------------------------------------------------

@pytest.mark.parametrize("lesson", LESSONS)
def test_code_cells_are_identical_apart_from_strings_and_comments(lesson):
    en, ko = cells("en", lesson, "code"), cells("ko", lesson, "code")
    assert len(en) == len(ko)
    for a, b in zip(en, ko):
        assert masked_code(a.source) == masked_code(b.source), (a.id, a.source, b.source)


def test_masking_ignores_strings_and_comments_but_not_code():
    assert masked_code('print("hi")  # say hi') == masked_code("print('안녕')  # 인사")
    assert masked_code('f(lang="en")') == masked_code('f(lang="ko")')
    assert masked_code("x = 1") != masked_code("x = 2")
    assert masked_code('f(lang="en")') != masked_code('g(lang="en")')


@pytest.mark.parametrize("lesson", LESSONS)
def test_heading_structure_is_the_same_in_both_languages(lesson):
    en, ko = heading_levels(load("en", lesson)), heading_levels(load("ko", lesson))
    assert en == ko
    assert en[0] == 1 and en.count(1) == 1, "one title per lesson"


@pytest.mark.parametrize("lesson", LESSONS)
def test_cells_line_up_with_the_same_kinds_and_tags(lesson):
    en, ko = load("en", lesson).cells, load("ko", lesson).cells
    assert [(c.cell_type, c.metadata.get("tags", [])) for c in en] == \
           [(c.cell_type, c.metadata.get("tags", [])) for c in ko]


@pytest.mark.parametrize("lesson", LESSONS)
def test_english_notebooks_contain_no_korean(lesson):
    for cell in load("en", lesson).cells:
        assert not HANGUL.search(cell.source), (cell.id, cell.source)


@pytest.mark.parametrize("lesson", LESSONS)
def test_korean_notebooks_speak_korean_in_every_markdown_cell(lesson):
    for cell in cells("ko", lesson, "markdown"):
        if HANGUL.search(cell.source) is None:
            # a cell of links or formulas only would be fine; a cell of English prose is not
            words = re.findall(r"[A-Za-z]{4,}", prose(cell.source, headings=True))
            assert len(words) < 8, (cell.id, cell.source)


# --- exercises -----------------------------------------------------------------------------------

def test_every_exercise_has_a_cell_in_its_lesson_in_both_languages():
    for exercise_id in exercises.ids():
        lesson = exercises.EXERCISES[exercise_id].lesson
        for lang in LANGS:
            tagged = [c for c in cells(lang, lesson, "code")
                      if f"exercise:{exercise_id}" in c.metadata.get("tags", [])]
            assert len(tagged) == 1, (lang, exercise_id)
            assert f'exercises.check("{exercise_id}"' in tagged[0].source
            assert f'lang="{lang}"' in tagged[0].source


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_ends_with_exercises(lesson):
    assert len(exercises.ids(lesson)) >= 2, lesson


# --- the seed post -------------------------------------------------------------------------------

def checklist() -> list[dict]:
    """Rows of docs/seed-checklist.md: seed facts (1, 2, ...) and GUIDE pitfalls (P1, P2, ...)."""
    rows = []
    for line in (ROOT / "docs" / "seed-checklist.md").read_text(encoding="utf-8").splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) != 5 or not re.fullmatch(r"P?\d+", cols[0]):
            continue
        rows.append({"number": cols[0], "fact": cols[1],
                     "notebooks": [n.strip() for n in cols[2].split(",")],
                     "tag": cols[3].strip("`")})
    return rows


def tagged(lang: str, lesson: str) -> set[str]:
    return {t for c in load(lang, lesson).cells for t in c.metadata.get("tags", [])
            if t.startswith(("seed:", "pitfall:"))}


def test_the_seed_checklist_points_at_tagged_cells_that_exist():
    rows = checklist()
    seed = [r for r in rows if r["tag"].startswith("seed:")]
    pitfalls = [r for r in rows if r["tag"].startswith("pitfall:")]
    assert len(seed) >= 30 and len(pitfalls) >= 7 and len(seed) + len(pitfalls) == len(rows)
    assert [r["number"] for r in seed] == [str(i) for i in range(1, len(seed) + 1)]
    assert [r["number"] for r in pitfalls] == [f"P{i}" for i in range(1, len(pitfalls) + 1)]
    assert len({r["tag"] for r in rows}) == len(rows), "a tag is listed twice"
    for row in rows:
        for lesson in row["notebooks"]:
            assert lesson in LESSONS, row
            for lang in LANGS:
                assert row["tag"] in tagged(lang, lesson), (lang, lesson, row["tag"])


def test_every_seed_and_pitfall_tag_in_the_notebooks_is_in_the_checklist():
    listed = {(lesson, r["tag"]) for r in checklist() for lesson in r["notebooks"]}
    for lesson in LESSONS:
        for lang in LANGS:
            for tag in tagged(lang, lesson):
                assert (lesson, tag) in listed, (lang, lesson, tag)


def test_the_seed_post_code_examples_appear_in_the_notebooks():
    """The seed's own code lines, restored where they were garbled, are in the lessons."""
    code = {lesson: "\n".join(c.source for c in cells("en", lesson, "code")) for lesson in LESSONS}
    expected = {
        "01_conv2d_basics": ["nn.Conv2d(16, 33, 3, stride=2)",
                             "nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))",
                             "nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))",
                             "torch.randn(20, 16, 50, 100)"],
        "04_mnist_and_weights": ["transforms.Normalize((0.5,), (0.5,))",
                                 "DataLoader(train_set, batch_size=1, shuffle=True)",
                                 "next(iter(train_loader))",
                                 'torch.device("cuda" if torch.cuda.is_available() else "cpu")',
                                 "nn.Conv2d(in_channels=1, out_channels=3, kernel_size=3, stride=1).to(device)",
                                 "layer.weight.numpy()", "layer.weight.detach()",
                                 "plt.imshow(weight[0, 0, :, :], 'jet')"],
        "05_channel_arithmetic": ["X = torch.rand(2, 5, 16, 16)",
                                  "mul_vals = [1.0, 2.0, 3.0, 4.0, 5.0]",
                                  "add_vals = [5.0, 4.0, 3.0, 2.0, 1.0]",
                                  "conv_arithmetic.weight.data[:] = torch.Tensor(mul_vals).reshape(C, 1, 1, 1)",
                                  "conv_arithmetic.bias.data[:] = torch.Tensor(add_vals).reshape(C)",
                                  "return F.conv2d(X, weight=_weight, bias=_bias, groups=C)",
                                  "result1 = X * 2.0 - 1.0"],
    }
    for lesson, snippets in expected.items():
        for snippet in snippets:
            assert snippet in code[lesson], (lesson, snippet)
