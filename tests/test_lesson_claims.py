"""The lessons' factual claims, checked against PyTorch itself.

A lesson's own ``assert`` can only confirm what its author thought; these tests ask PyTorch
independently. Some run one cell tagged ``claim:<name>`` of the English notebook (the Korean one has
the same code, tests/test_notebooks_parity.py) and compare what it prints with what PyTorch computes
here; others compare a sentence of both languages with PyTorch's own message or rule, or sweep
more settings than the lesson shows. All of them are cheap (no MNIST, no naive loops); the one
that needs a fresh process (PyTorch's warn-once) costs one `import torch`.
"""
from __future__ import annotations

import contextlib
import inspect
import itertools
import io
import math
import re
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from convlab.i18n import LANGS  # noqa: E402
from test_notebooks_parity import LESSONS, load  # noqa: E402


def claim_source(lesson: str, name: str, lang: str = "en") -> str:
    """The source of the one code cell tagged ``claim:<name>`` in a lesson."""
    found = [c.source for c in load(lang, lesson).cells
             if f"claim:{name}" in c.metadata.get("tags", [])]
    assert len(found) == 1, (lesson, name, len(found))
    return found[0]


def run_claim(lesson: str, name: str, **namespace) -> str:
    """Run a claim cell with the lessons' imports (and ``namespace``); return what it prints."""
    scope = {"torch": torch, "nn": nn, "F": F, "plt": plt, **namespace}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(claim_source(lesson, name), f"<{lesson}:{name}>", "exec"), scope)
    return out.getvalue()


def anchored_markdown(lesson: str, anchor: str, lang: str) -> str:
    """The Markdown cell of a lesson that starts with ``<a id="anchor">``."""
    found = [c.source for c in load(lang, lesson).cells
             if c.cell_type == "markdown" and c.source.startswith(f'<a id="{anchor}"></a>')]
    assert len(found) == 1, (lesson, anchor, lang)
    return re.sub(r"\s+", " ", found[0])


def pytorch_warns_same(kernel: tuple, dilation: tuple) -> bool:
    """Whether F.conv2d warns for padding='same' with this kernel and dilation (warn-once off)."""
    was = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            F.conv2d(torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, *kernel), padding="same",
                     dilation=dilation)
    finally:
        torch.set_warn_always(was)
    return any("padding='same'" in str(w.message) for w in caught)


# --- lesson 00 -----------------------------------------------------------------------------------

def test_lesson00_counts_the_arguments_from_the_signature_and_types_no_count():
    printed = run_claim("00_start_here", "signature-count")
    counted = [int(n) for n in re.findall(r"\b(\d+) arguments, (\d+) of them", printed)[0]]
    parameters = inspect.signature(nn.Conv2d).parameters
    defaults = [p for p in parameters.values() if p.default is not inspect.Parameter.empty]
    assert counted == [len(parameters), len(defaults)]
    assert "device" in printed and "dtype" in printed
    intro = {lang: load(lang, "00_start_here").cells[0].source for lang in LANGS}
    assert not re.search(r"\b(nine|ten|eleven)\b", intro["en"]) and "아홉" not in intro["ko"]


# --- lesson 01 -----------------------------------------------------------------------------------

def test_lesson01_formula_with_groups_is_what_pytorch_computes():
    for lang in LANGS:
        text = anchored_markdown("01_conv2d_basics", "l01-formula", lang)
        assert r"\sum_{k=0}^{C_{\text{in}}/\text{groups}-1}" in text, lang
        assert r"g \cdot C_{\text{in}}/\text{groups} + k" in text, lang
    torch.manual_seed(1)
    layer = nn.Conv2d(6, 9, (3, 2), groups=3)
    x = torch.randn(2, 6, 7, 5)
    c_in, c_out = 6 // 3, 9 // 3
    with torch.no_grad():
        for j in range(9):
            g = j // c_out                                   # the lesson's g = floor(j / (C_out/groups))
            by_formula = layer.bias[j] + sum(
                F.conv2d(x[:, g * c_in + k:g * c_in + k + 1], layer.weight[j:j + 1, k:k + 1])
                for k in range(c_in))
            assert torch.allclose(by_formula, layer(x)[:, j:j + 1], atol=1e-5), j


def test_lesson01_why_convolution_counts_pytorchs_parameters():
    printed = run_claim("01_conv2d_basics", "why-parameters")
    numbers = [int(n.replace(",", "")) for n in re.findall(r":\s+([\d,]+)\s*$", printed, flags=re.M)]
    expected = [sum(p.numel() for p in nn.Linear(28 * 28, 28 * 28).parameters()),
                sum(p.numel() for p in nn.Conv2d(1, 1, 3).parameters())]
    assert numbers == expected


def test_lesson01_equivariance_breaks_where_the_lesson_says():
    """Another picture than the lesson's digit: a blob in the middle of a 28x28 image."""
    torch.manual_seed(2)
    image = torch.zeros(1, 1, 28, 28)
    image[..., 9:19, 8:20] = torch.rand(10, 12)
    kernel = torch.randn(1, 1, 3, 3)

    def shift(t, rows, cols):
        return torch.roll(t, shifts=(rows, cols), dims=(-2, -1))

    conv = lambda t, **kw: F.conv2d(t, kernel, padding=1, **kw)  # noqa: E731
    assert torch.allclose(conv(shift(image, -3, 3)), shift(conv(image), -3, 3), atol=1e-5)
    strided = lambda t: conv(t, stride=2)  # noqa: E731
    assert torch.allclose(strided(shift(image, 2, 2)), shift(strided(image), 1, 1), atol=1e-5)
    assert not any(torch.allclose(strided(shift(image, 1, 1)), shift(strided(image), r, c), atol=1e-5)
                   for r in range(14) for c in range(14))
    for mode in ["zeros", "reflect", "replicate", "circular"]:
        layer = nn.Conv2d(1, 1, 3, padding=1, padding_mode=mode, bias=False)
        with torch.no_grad():
            layer.weight.copy_(kernel)
            same = torch.allclose(layer(shift(image, 0, 14)), shift(layer(image), 0, 14), atol=1e-5)
        assert same == (mode == "circular"), mode


# --- lesson 02 -----------------------------------------------------------------------------------

def test_lesson02_same_warning_rule_is_pytorchs():
    for lang in LANGS:
        assert "`dilation·(kernel_size − 1)`" in anchored_markdown(
            "02_stride_padding_dilation", "l02-same-warning", lang)
    for kh in range(1, 6):
        for kw in (1, 2, 3):
            for dh in range(1, 4):
                for dw in (1, 2):
                    lesson_rule = (dh * (kh - 1)) % 2 == 1 or (dw * (kw - 1)) % 2 == 1
                    assert pytorch_warns_same((kh, kw), (dh, dw)) == lesson_rule, (kh, kw, dh, dw)


def test_lesson02_same_warning_comes_once_per_process():
    script = (
        "import warnings, torch, torch.nn.functional as F\n"
        "counts = []\n"
        "for _ in range(2):\n"
        "    with warnings.catch_warnings(record=True) as caught:\n"
        "        warnings.simplefilter('always')\n"
        "        F.conv2d(torch.zeros(1, 1, 7, 7), torch.zeros(1, 1, 4, 4), padding='same')\n"
        "    counts.append(len(caught))\n"
        "print(counts)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == "[1, 0]"


def test_lesson02_module_keeps_the_padding_string():
    assert nn.Conv2d(1, 1, 4, padding="same").padding == "same"
    assert nn.Conv2d(1, 1, 3, padding="valid").padding == "valid"


def _pad_error(mode: str, padding: int, size: tuple) -> str | None:
    try:
        nn.Conv2d(1, 1, 1, padding=padding, padding_mode=mode)(torch.zeros(1, 1, *size))
    except RuntimeError as error:
        return str(error)
    return None


def test_lesson02_padding_mode_limits_are_pytorchs():
    for h, w in [(1, 1), (3, 3), (2, 5), (4, 1)]:
        for p in range(0, 7):
            smallest = min(h, w)
            assert (_pad_error("reflect", p, (h, w)) is None) == (p < smallest), (h, w, p)
            assert (_pad_error("circular", p, (h, w)) is None) == (p <= smallest), (h, w, p)
            assert _pad_error("replicate", p, (h, w)) is None
    printed = run_claim("02_stride_padding_dilation", "padding-mode-limits")
    shown = re.findall(r"^(\w+)\s+padding=(\d+): RuntimeError: (.*)$", printed, flags=re.M)
    assert {(m, int(p)) for m, p, _ in shown} == {("reflect", 3), ("circular", 4)}
    for mode, padding, message in shown:
        assert message == _pad_error(mode, int(padding), (3, 3))


# --- lesson 04 -----------------------------------------------------------------------------------

def test_lesson04_init_bound_is_one_over_root_fan_in_with_groups():
    printed = run_claim("04_mnist_and_weights", "init-bound", math=math)
    rows = re.findall(r"^(Conv2d\(.*?\)): fan_in = (\d+), bound = ([\d.]+)", printed, flags=re.M)
    assert len(rows) == 3 and any("groups=" in r[0] for r in rows)
    for layer_repr, fan_in, bound in rows:
        layer = eval("nn." + layer_repr, {"nn": nn})      # the layer the lesson printed
        pytorch_fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
        assert int(fan_in) == pytorch_fan_in
        assert float(bound) == pytest.approx(1 / math.sqrt(pytorch_fan_in), abs=1e-6)
    for lang in LANGS:
        text = anchored_markdown("04_mnist_and_weights", "l04-init", lang)
        assert r"(\text{in\_channels}/\text{groups})\cdot k_H \cdot k_W" in text, lang
        assert "kaiming_uniform_(weight, a=math.sqrt(5))" in text, lang
    torch.manual_seed(3)
    layer = nn.Conv2d(32, 512, (3, 5), groups=16)       # fan_in = 2·3·5 = 30
    bound = 1 / math.sqrt(2 * 3 * 5)
    assert 0.99 * bound < layer.weight.abs().max() <= bound
    assert 0.9 * bound < layer.bias.abs().max() <= bound


def test_lesson04_leaf_rule_and_message_are_pytorchs():
    weight = nn.Conv2d(1, 3, 3).weight
    with pytest.raises(RuntimeError) as view_error:
        weight[0, 0] = torch.zeros(3, 3)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        weight.add_(1)
    computed = weight * 1.0
    computed[0, 0] = torch.zeros(3, 3)                   # a non-leaf: allowed and recorded
    assert not computed.is_leaf and computed.grad_fn is not None
    for lang in LANGS:
        text = anchored_markdown("04_mnist_and_weights", "l04-leaf", lang)
        assert f"`{view_error.value}`" in text, lang
        assert f"`{type(computed.grad_fn).__name__}`" in text, lang


def test_lesson04_diverging_map_is_zero_centred_and_jet_is_kept():
    weight = np.random.default_rng(4).uniform(-0.2, 0.33, size=(3, 1, 3, 3)).astype(np.float32)
    plt.close("all")
    try:
        run_claim("04_mnist_and_weights", "diverging-weights", weight=weight)
        images = [ax.images[0] for ax in plt.gcf().axes if ax.images]
        assert [im.get_cmap().name for im in images] == ["jet"] * 3 + ["RdBu_r"] * 3   # rows
        limit = float(np.abs(weight).max())
        for im in images:
            if im.get_cmap().name == "RdBu_r":
                assert im.norm.vmin == pytest.approx(-limit) and im.norm.vmax == pytest.approx(limit)
    finally:
        plt.close("all")
    code = "\n".join(c.source for c in load("en", "04_mnist_and_weights").cells if c.cell_type == "code")
    assert "plt.imshow(weight[0, 0, :, :], 'jet')" in code


# --- lesson 06 -----------------------------------------------------------------------------------

def test_lesson06_grid_covers_every_padding_mode_pytorch_accepts():
    with pytest.raises(ValueError) as error:
        nn.Conv2d(1, 1, 1, padding_mode="no such mode")
    modes = re.findall(r"'(\w+)'", str(error.value).split("but got")[0])   # PyTorch lists them
    assert len(modes) == 4
    grid = [c.source for c in load("en", "06_conv2d_from_scratch").cells
            if "def check_against_pytorch" in c.source]
    assert len(grid) == 1
    for mode in modes:
        assert f'"{mode}"' in grid[0], mode


# --- lesson 07 -----------------------------------------------------------------------------------

def _sgd_run(digit: torch.Tensor, wanted: torch.Tensor, lr: float, start: torch.Tensor,
             steps: int) -> tuple[list[float], torch.Tensor]:
    """PyTorch's own SGD on a 3×3 kernel: the loss of every step and the final kernel."""
    weight = start.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([weight], lr=lr)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(F.conv2d(digit, weight), wanted)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, weight.detach()


@pytest.fixture
def one_thread():
    """Hundreds of tiny steps: a second thread only waits (lesson 07 measures it)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_lesson07_learning_rate_limit_and_slow_error_are_what_pytorchs_sgd_does(one_thread):
    import convlab
    from test_lesson07 import ring

    digit = ring()
    sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]).view(1, 1, 3, 3)
    wanted = F.conv2d(digit, sobel)
    printed = run_claim("07_learning_filters", "sgd-limit", digit=digit, wanted=wanted,
                        convlab=convlab)
    limit = float(re.search(r"lr < 2 / λ_max = ([\d.]+)", printed).group(1))
    kept = float(re.search(r"keeps (\d+)% of its size", printed).group(1)) / 100
    start = torch.empty(1, 1, 3, 3).uniform_(-1 / 3, 1 / 3, generator=torch.Generator().manual_seed(0))
    below, _ = _sgd_run(digit, wanted, 0.97 * limit, start, 200)
    above, _ = _sgd_run(digit, wanted, 1.03 * limit, start, 200)
    assert below[-1] < below[0] and not (above[-1] < 1e3 * above[0])
    hessian = torch.autograd.functional.hessian(
        lambda w: F.mse_loss(F.conv2d(digit, w.view(1, 1, 3, 3)), wanted), torch.zeros(9))
    slowest = torch.linalg.eigh(hessian).eigenvectors[:, 0]
    _, learned = _sgd_run(digit, wanted, 0.1, start, 200)
    ratio = ((learned - sobel).flatten() @ slowest) / ((start - sobel).flatten() @ slowest)
    assert abs(ratio.item() - kept) < 0.01


# --- every lesson --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_ends_with_a_check_yourself_list_linked_to_its_cells(lesson, lang):
    nb = load(lang, lesson)
    heading = "Check yourself" if lang == "en" else "스스로 확인하기"
    summaries = [c.source for c in nb.cells
                 if c.cell_type == "markdown" and re.search(rf"^## \d+\. {heading}$", c.source, re.M)]
    assert len(summaries) == 1
    items = re.findall(r"^- ", summaries[0], flags=re.M)
    assert 3 <= len(items) <= 5
    anchors = {a for c in nb.cells if c.cell_type == "markdown"
               for a in re.findall(r'<a id="([\w-]+)"></a>', c.source)}
    links = re.findall(r"\]\(#([\w-]+)\)", summaries[0])
    assert len(links) >= len(items)
    assert set(links) <= anchors, set(links) - anchors


# --- lesson 08 -----------------------------------------------------------------------------------

LESSON08 = "08_backward_and_transposed"


def test_lesson08_input_gradient_is_the_transposed_convolution_it_prints():
    printed = run_claim(LESSON08, "grad-input")
    assert re.search(r"largest difference from F.conv_transpose2d: (\S+)", printed)
    assert float(re.search(r"F.conv_transpose2d: (\S+)", printed).group(1)) < 1e-12
    # asked of PyTorch here: the backward of conv2d is conv_transpose2d, for other settings too
    for stride, padding, dilation, groups, size in [(1, 0, 1, 1, 5), (3, 2, 2, 2, 11)]:
        x = torch.randn(1, 4, size, size, dtype=torch.float64, requires_grad=True)
        w = torch.randn(6, 4 // groups, 3, 3, dtype=torch.float64)
        y = F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
        g = torch.randn_like(y)
        (grad,) = torch.autograd.grad(y, x, g)
        missing = size - ((y.shape[-1] - 1) * stride - 2 * padding + dilation * 2 + 1)
        assert torch.allclose(grad, F.conv_transpose2d(g, w, None, stride, padding, missing,
                                                       groups, dilation))


def test_lesson08_weight_gradient_claim_runs_and_agrees():
    printed = run_claim(LESSON08, "grad-weight", **_lesson08_scope())
    assert float(re.search(r"F.conv2d: (\S+)", printed).group(1)) < 1e-12


def _lesson08_scope() -> dict:
    scope = {"torch": torch, "nn": nn, "F": F}
    exec(compile(claim_source(LESSON08, "grad-input"), "<grad-input>", "exec"), scope)
    return {k: scope[k] for k in ("x", "w", "g", "grad_w")}


def test_lesson08_formula_and_weight_shapes_are_pytorchs():
    import convlab
    printed = run_claim(LESSON08, "formula", convlab=convlab)
    shapes = re.findall(r"^\((\d+), (\d+)\)  weight \((\d+), (\d+), (\d+), (\d+)\)$", printed,
                        flags=re.M)
    layers = [nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1),
              nn.ConvTranspose2d(16, 8, (3, 5), stride=(2, 1), padding=(1, 2),
                                 output_padding=(1, 0)),
              nn.ConvTranspose2d(16, 8, 3, stride=3, dilation=2, output_padding=2, groups=4)]
    assert len(shapes) == len(layers)
    for row, layer in zip(shapes, layers):
        out = layer(torch.zeros(1, 16, 5, 7))
        assert tuple(int(v) for v in row) == (*out.shape[2:], *layer.weight.shape)
    with pytest.raises(ValueError) as error:
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    assert f"padding_mode='reflect': {error.value}" in printed
    for lang in LANGS:   # the table says padding_mode takes only 'zeros'
        assert "`'zeros'`" in anchored_markdown(LESSON08, "l08-formula", lang), lang


def test_lesson08_output_padding_sizes_are_pytorchs():
    printed = run_claim(LESSON08, "output-padding")
    for size in (7, 8):
        out = nn.Conv2d(1, 1, 3, stride=2, padding=1)(torch.zeros(1, 1, size, size)).shape[-1]
        assert f"Conv2d: {size} -> {out}" in printed
    for op in (0, 1):
        out = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=op)(
            torch.zeros(1, 1, 4, 4)).shape[-1]
        assert f"output_padding={op}: 4 -> {out}" in printed
    assert "output_size=(8, 8): (1, 1, 8, 8)" in printed
    # "at most stride - 1 (or dilation - 1)": PyTorch's rule, swept
    for stride, dilation, op in itertools.product((1, 2, 3), (1, 2, 3), range(4)):
        layer = nn.ConvTranspose2d(1, 1, 3, stride=stride, dilation=dilation, output_padding=op)
        try:
            layer(torch.zeros(1, 1, 3, 3))
            accepted = True
        except RuntimeError:
            accepted = False
        assert accepted == (op < stride or op < dilation), (stride, dilation, op)


def test_lesson08_checkerboard_values_are_pytorchs():
    plt.close("all")
    try:
        import convlab
        printed = run_claim(LESSON08, "checkerboard", convlab=convlab)
        images = [ax.images[0] for ax in plt.gcf().axes if ax.images]
        assert [im.get_cmap().name for im in images] == ["Greens", "Greens"]
        assert any(ax.get_label() == "<colorbar>" for ax in plt.gcf().axes)
    finally:
        plt.close("all")
    for k, expected in ((3, {1, 2, 4}), (4, {4})):
        out = F.conv_transpose2d(torch.ones(1, 1, 6, 6), torch.ones(1, 1, k, k), stride=2)
        inside = set(out[0, 0, 2:-2, 2:-2].int().flatten().tolist())
        assert inside == expected
        assert f"kernel {k}, values inside: {sorted(expected)}" in printed
# --- lesson 09 -----------------------------------------------------------------------------------

LESSON09 = "09_receptive_fields_and_pooling"


def _nonzero_rows(stack: nn.Module, size: int, i: int) -> tuple[int, int] | None:
    """First and last input row with a nonzero gradient of output cell (i, 0), by autograd."""
    x = torch.rand(1, 1, size, 3, requires_grad=True)
    out = stack(x)
    if i >= out.shape[-2]:
        return None
    out[0, 0, i, 0].backward()
    rows = (x.grad[0, 0] != 0).any(1).nonzero().flatten()
    return (int(rows[0]), int(rows[-1])) if len(rows) else None   # None: it sees only padding


def test_lesson09_recurrence_is_the_gradients_region_for_random_stacks():
    """convlab.receptive_fields against autograd on random stacks of convolutions (weights
    positive) and average poolings, padding and dilation included. Where the field runs off the
    input, part of it may fall in the zero padding of an inner layer: the gradient's region then
    lies inside the clipped formula's, as the lesson says."""
    import convlab

    rng = np.random.default_rng(9)
    checked = 0
    while checked < 40:
        layers, modules = [], []
        for _ in range(rng.integers(1, 5)):
            k, s, d = (int(v) for v in rng.integers(1, [5, 4, 4]))
            if rng.random() < 0.3:
                p = int(rng.integers(0, k // 2 + 1))
                modules.append(nn.AvgPool2d((k, 1), stride=(s, 1), padding=(p, 0)))
                layers.append((k, s, p, 1))
            else:
                p = int(rng.integers(0, 3))
                conv = nn.Conv2d(1, 1, (k, 1), stride=(s, 1), padding=(p, 0), dilation=(d, 1),
                                 bias=False)
                nn.init.uniform_(conv.weight, 0.5, 1.0)
                modules.append(conv)
                layers.append((k, s, p, d))
        stack, size = nn.Sequential(*modules), int(rng.integers(8, 60))
        try:
            stack(torch.zeros(1, 1, size, 3))
        except RuntimeError:
            continue                        # too small for this stack: PyTorch refuses
        field = convlab.receptive_fields(layers)[-1]
        for i in range(4):
            rows = _nonzero_rows(stack, size, i)
            if rows is None:
                continue
            first, last = field.region(i)
            if 0 <= first and last < size:
                assert rows == (first, last), (layers, size, i)
            else:
                low, high = field.region(i, size)
                assert low <= rows[0] <= rows[1] <= high, (layers, size, i)
        checked += 1


def test_lesson09_ceil_rule_is_pytorchs_as_the_lesson_words_it():
    """The rounded-up count loses its last window exactly when that window would start at or
    after in + padding (the right padding), for max and average pooling alike."""

    x = torch.zeros(1, 1, 12, 1)
    for size, k, s, p in itertools.product(range(1, 12), range(1, 5), range(1, 4), range(3)):
        if p > k // 2 or k > size + 2 * p:
            continue
        rounded_up = math.ceil((size + 2 * p - k) / s) + 1
        for pool in (F.max_pool2d, F.avg_pool2d):
            got = pool(x[:, :, :size], (k, 1), (s, 1), (p, 0), ceil_mode=True).shape[-2]
            starts_in_right_padding = (rounded_up - 1) * s >= size + p
            assert got == rounded_up - starts_in_right_padding, (pool, size, k, s, p)
    text = anchored_markdown(LESSON09, "l09-ceil", "en")
    assert "must start inside the input or its left padding" in text


def test_lesson09_vgg_counts_are_pytorchs():
    printed = run_claim(LESSON09, "vgg-params", positive=lambda s: s, depends_on=lambda *a: 0)
    counts = [int(v.replace(",", "")) for v in re.findall(r"(\d[\d,]*) weights", printed)]
    expected = []
    for n, big in [(2, 5), (3, 7)]:
        expected += [n * nn.Conv2d(64, 64, 3, bias=False).weight.numel(),
                     nn.Conv2d(64, 64, big, bias=False).weight.numel()]
    assert counts == expected


def test_lesson09_resnet18_table_matches_gradients_through_the_real_blocks():
    """The table's rows for layer1 and layer2 against the gradient of the real torchvision
    resnet18 (residual shortcuts included), made positive so that nothing cancels: convolution
    weights 1/fan_in, batch norm at its initial statistics, the max pooling as the average
    pooling with the same windows."""
    import convlab
    from torchvision.models import get_model

    printed = run_claim(LESSON09, "resnet18-table", convlab=convlab)
    rows = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in re.finditer(
        r"^(\S+)\s+\d+\s+\d+\s+\d+×\d+\s+(\d+)\s+(\d+)\s+-?\d+$", printed, flags=re.M)}
    assert len(rows) == 18
    with torch.device("meta"):              # no random weights: they are all set below
        model = get_model("resnet18", weights=None)
    model = model.to_empty(device="cpu").eval()
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.constant_(module.weight, 1.0 / module.weight[0].numel())
        elif isinstance(module, (nn.BatchNorm2d, nn.Linear)):
            module.reset_parameters()
            if isinstance(module, nn.BatchNorm2d):
                module.reset_running_stats()
    model.maxpool = nn.AvgPool2d(3, stride=2, padding=1)
    front = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool, model.layer1,
                          model.layer2)
    x = torch.rand(1, 3, 112, 112, requires_grad=True)
    after_layer1 = front[:5](x)
    after_layer2 = front[5](after_layer1)

    def rows_seen(out, row, col):
        (grad,) = torch.autograd.grad(out[0, :, row, col].sum(), x, retain_graph=True)
        return (grad[0] != 0).any(0).any(1).nonzero().flatten()

    for out, name in [(after_layer1, "layer1.1.conv2"), (after_layer2, "layer2.1.conv2")]:
        centre = out.shape[-1] // 2
        seen, following = rows_seen(out, centre, centre), rows_seen(out, centre + 1, centre)
        size, jump = rows[name]
        assert int(seen[-1] - seen[0]) + 1 == size and int(following[0] - seen[0]) == jump, name
