"""convlab.viz and convlab.fonts: weight grids, feature maps, Korean text.

What is drawn is checked against PyTorch itself (the layer's own weight, F.conv2d), Korean text
is drawn with every warning turned into an error, and no test leaves a figure open.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib import font_manager
from torch import nn

from convlab.figures import fonts, style
from convlab.figures.fonts import find_korean_font, use_korean_font
from convlab.figures.plots import plot_feature_maps, plot_weights

WEIGHT_SHAPES = [(20, 1, 5, 5), (3, 1, 3, 3), (8, 2, 3, 5), (4, 4, 1, 1), (6, 3, 1, 7)]


@pytest.fixture(autouse=True)
def no_figure_left_open():
    """Every test starts and must end with no open figure (the functions' own promise)."""
    plt.close("all")
    with matplotlib.rc_context():        # font changes made by a test do not leak out of it
        yield
    assert plt.get_fignums() == []


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]


def colorbar_axes(fig):
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def draw_strictly(fig):
    """Render with every warning as an error: a missing glyph (a box) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()


def has_hangul(text: str) -> bool:
    return re.search("[\uac00-\ud7a3]", text) is not None


# --- plot_weights -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", WEIGHT_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_weights_one_image_per_kernel_and_one_colorbar(shape):
    weight = torch.randn(shape)
    fig = plot_weights(weight)
    try:
        out_ch, in_ch = shape[:2]
        assert len(image_axes(fig)) == out_ch * in_ch
        assert len(colorbar_axes(fig)) == 1
        assert len(fig.axes) == out_ch * in_ch + 1
        drawn = [ax.images[0].get_array() for ax in image_axes(fig)]
        expected = [weight[o, i].numpy() for o in range(out_ch) for i in range(in_ch)]
        for got, want in zip(drawn, expected):
            np.testing.assert_allclose(got, want, rtol=1e-6)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("shape", WEIGHT_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_weights_share_one_colour_scale_symmetric_about_zero(shape):
    weight = torch.randn(shape)
    fig = plot_weights(weight)
    try:
        limits = {ax.images[0].get_clim() for ax in image_axes(fig)}
        assert len(limits) == 1
        vmin, vmax = limits.pop()
        assert vmax == pytest.approx(weight.abs().max().item()) and vmin == -vmax
        assert {ax.images[0].get_cmap().name for ax in image_axes(fig)} == {style.WEIGHT_CMAP}
        assert colorbar_axes(fig)[0].get_ylim() == pytest.approx((vmin, vmax))
    finally:
        plt.close(fig)


def test_twenty_single_channel_filters_make_a_compact_grid():
    fig = plot_weights(torch.randn(20, 1, 5, 5))
    try:
        rows = {ax.get_subplotspec().rowspan.start for ax in image_axes(fig)}
        cols = {ax.get_subplotspec().colspan.start for ax in image_axes(fig)}
        assert len(rows) <= 5 and len(cols) <= 5
    finally:
        plt.close(fig)


def test_rows_are_output_channels_and_columns_input_channels():
    fig = plot_weights(torch.randn(8, 2, 3, 5))
    try:
        places = [(ax.get_subplotspec().rowspan.start, ax.get_subplotspec().colspan.start)
                  for ax in image_axes(fig)]
        assert places == [(o, i) for o in range(8) for i in range(2)]
    finally:
        plt.close(fig)


def test_a_layer_and_its_requires_grad_weight_are_both_accepted():
    layer = nn.Conv2d(1, 3, kernel_size=3)
    assert layer.weight.requires_grad
    for thing in (layer, layer.weight):
        fig = plot_weights(thing)
        drawn = image_axes(fig)[0].images[0].get_array()
        plt.close(fig)
        np.testing.assert_allclose(drawn, layer.weight.detach()[0, 0].numpy(), rtol=1e-6)
    assert layer.weight.requires_grad and layer.weight.grad is None


def test_small_kernels_are_annotated_with_their_values():
    weight = torch.randn(3, 1, 3, 3)
    fig = plot_weights(weight)
    try:
        for ax, kernel in zip(image_axes(fig), weight[:, 0]):
            shown = [float(t.get_text().replace("\u2212", "-")) for t in ax.texts]
            np.testing.assert_allclose(shown, kernel.flatten().numpy(), atol=0.0051)
    finally:
        plt.close(fig)


def test_many_kernels_are_not_annotated_unless_asked():
    weight = torch.randn(6, 1, 5, 5)
    fig = plot_weights(weight)
    assert all(not ax.texts for ax in image_axes(fig))
    plt.close(fig)
    fig = plot_weights(weight, annotate=True)
    assert sum(len(ax.texts) for ax in image_axes(fig)) == 6 * 25
    plt.close(fig)


def test_one_kernel_given_as_a_matrix_is_drawn():
    fig = plot_weights(np.arange(6.0).reshape(2, 3) - 3)
    assert len(image_axes(fig)) == 1 and len(fig.axes) == 2
    plt.close(fig)


@pytest.mark.parametrize("bad, error", [(torch.randn(3, 3, 3), ValueError),
                                        (torch.randn(1, 1, 1, 3, 3), ValueError),
                                        (nn.ConvTranspose2d(2, 3, 3), TypeError),
                                        (nn.ReLU(), TypeError),
                                        (torch.full((1, 1, 2, 2), float("nan")), ValueError)])
def test_bad_weights_give_clear_errors_and_leave_no_figure(bad, error):
    with pytest.raises(error):
        plot_weights(bad)
    assert plt.get_fignums() == []


def test_too_many_kernels_is_refused_with_a_hint():
    with pytest.raises(ValueError, match=r"weight\[:8, :4\]"):
        plot_weights(torch.randn(64, 32, 3, 3))


# --- plot_feature_maps --------------------------------------------------------------------------

def digit() -> torch.Tensor:
    x = torch.zeros(1, 28, 28)
    x[0, 5:23, 12:16] = 1.0       # a "1", normalised like the lesson: background -1, stroke 1
    return x * 2 - 1


@pytest.mark.parametrize("shape", [(28, 28), (1, 28, 28), (1, 1, 28, 28)])
def test_feature_maps_show_input_and_every_output_channel_of_conv2d(shape):
    torch.manual_seed(0)
    layer = nn.Conv2d(1, 6, kernel_size=5)
    image = digit().reshape(shape)
    fig = plot_feature_maps(layer, image)
    try:
        assert len(image_axes(fig)) == 1 + 6
        assert len(colorbar_axes(fig)) == 2
        expected = F.conv2d(digit()[None], layer.weight, layer.bias)[0].detach().numpy()
        drawn_input, *drawn_maps = [ax.images[0].get_array() for ax in image_axes(fig)]
        np.testing.assert_allclose(drawn_input, digit()[0].numpy())
        for got, want in zip(drawn_maps, expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    finally:
        plt.close(fig)


def test_feature_maps_share_a_scale_with_zero_in_the_middle():
    layer = nn.Conv2d(1, 4, kernel_size=3)
    fig = plot_feature_maps(layer, digit())
    try:
        limits = {ax.images[0].get_clim() for ax in image_axes(fig)[1:]}
        assert len(limits) == 1
        vmin, vmax = limits.pop()
        assert vmin == -vmax > -np.inf
    finally:
        plt.close(fig)


def test_any_module_works_and_runs_in_eval_mode_without_grad_then_restores_training():
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 3, kernel_size=3)
    model = nn.Sequential(conv, nn.ReLU(), nn.Dropout(p=0.9))
    model.train()
    fig = plot_feature_maps(model, digit())
    try:
        expected = F.relu(F.conv2d(digit()[None], conv.weight, conv.bias))[0].detach().numpy()
        for ax, want in zip(image_axes(fig)[1:], expected):    # no dropout applied: eval mode
            np.testing.assert_allclose(ax.images[0].get_array(), want, rtol=1e-5, atol=1e-6)
    finally:
        plt.close(fig)
    assert model.training and all(m.training for m in model)
    assert conv.weight.grad is None


def test_multi_channel_input_shows_each_input_channel():
    layer = nn.Conv2d(3, 5, kernel_size=3, groups=1)
    fig = plot_feature_maps(layer, torch.randn(3, 12, 12))
    assert len(image_axes(fig)) == 3 + 5 and len(colorbar_axes(fig)) == 2
    plt.close(fig)


@pytest.mark.parametrize("image", [torch.randn(2, 1, 28, 28), torch.randn(28)])
def test_feature_maps_reject_images_that_are_not_one_image(image):
    with pytest.raises(ValueError, match="expected one image"):
        plot_feature_maps(nn.Conv2d(1, 2, 3), image)
    assert plt.get_fignums() == []


def test_feature_maps_reject_a_layer_that_does_not_return_feature_maps():
    with pytest.raises(ValueError, match=r"\(1, C, H, W\)"):
        plot_feature_maps(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten()), digit())
    assert plt.get_fignums() == []


# --- Korean -------------------------------------------------------------------------------------

def test_without_a_korean_font_hangul_would_warn():
    """The control for the tests below: the default font really does lack Hangul."""
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig = plt.figure()
        fig.suptitle("가중치")
    try:
        with pytest.raises(UserWarning, match="missing from font"):
            draw_strictly(fig)
    finally:
        plt.close(fig)


def test_korean_weight_figure_renders_without_missing_glyphs():
    fig = plot_weights(torch.randn(3, 1, 3, 3), lang="ko")
    try:
        assert has_hangul(fig.get_suptitle())
        draw_strictly(fig)
    finally:
        plt.close(fig)


def test_korean_feature_map_figure_renders_without_missing_glyphs():
    fig = plot_feature_maps(nn.Conv2d(1, 3, 3), digit(), lang="ko")
    try:
        assert has_hangul(fig.get_suptitle())
        draw_strictly(fig)
    finally:
        plt.close(fig)


def test_korean_figures_do_not_change_global_font_settings():
    before = list(matplotlib.rcParams["font.family"])
    plt.close(plot_weights(torch.randn(2, 1, 3, 3), lang="ko"))
    assert matplotlib.rcParams["font.family"] == before


def test_use_korean_font_makes_any_figure_draw_korean_and_minus_signs():
    family = use_korean_font()
    assert matplotlib.rcParams["font.family"][0] == family
    fig, ax = plt.subplots()
    ax.plot([-2, 2], [-1, 1])
    ax.set_title("합성곱 가중치 −0.5")
    try:
        draw_strictly(fig)
        assert any(t.get_text().startswith("\u2212") for t in ax.get_yticklabels())
    finally:
        plt.close(fig)


def test_use_korean_font_is_idempotent():
    first = use_korean_font()
    n_fonts = len(font_manager.fontManager.ttflist)
    rc = dict(matplotlib.rcParams)
    assert use_korean_font() == first
    assert len(font_manager.fontManager.ttflist) == n_fonts
    assert dict(matplotlib.rcParams) == rc


@pytest.fixture
def system_korean_fonts_hidden(monkeypatch):
    """A machine with no Korean system font: drop every candidate family from matplotlib's list."""
    hidden = set(fonts.SYSTEM_CANDIDATES)
    visible = [f for f in font_manager.fontManager.ttflist
               if f.name not in hidden and "CJK" not in f.name and "Nanum" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", visible)
    font_manager.fontManager._findfont_cached.cache_clear()
    yield
    font_manager.fontManager._findfont_cached.cache_clear()


def test_fallback_registers_koreanize_matplotlibs_nanumgothic(system_korean_fonts_hidden):
    family = use_korean_font()
    assert family == "NanumGothic"
    path = Path(font_manager.findfont(font_manager.FontProperties(family=family)))
    assert path.parent.parent.name == "koreanize_matplotlib"
    import sys
    assert "koreanize_matplotlib" not in sys.modules      # located, never imported
    fig, ax = plt.subplots()
    ax.plot([-3, 3], [-3, 3])
    ax.set_title("특징 맵 −1")
    try:
        draw_strictly(fig)
    finally:
        plt.close(fig)


def test_fallback_path_also_serves_korean_figures(system_korean_fonts_hidden):
    fig = plot_weights(torch.randn(4, 1, 3, 3), lang="ko")
    try:
        draw_strictly(fig)
    finally:
        plt.close(fig)


def test_no_korean_font_at_all_is_a_clear_error(system_korean_fonts_hidden, monkeypatch):
    monkeypatch.setattr(fonts, "PIP_FONT_PACKAGE", "no_such_font_package")
    with pytest.raises(RuntimeError, match="pip install koreanize-matplotlib"):
        find_korean_font()
    with pytest.raises(RuntimeError, match="pip install koreanize-matplotlib"):
        plot_weights(torch.randn(1, 1, 3, 3), lang="ko")
    assert plt.get_fignums() == []


def test_fallback_can_be_forced_even_with_system_fonts():
    assert use_korean_font(prefer_system=False) == "NanumGothic"


def test_bad_lang_is_a_clear_error():
    with pytest.raises(ValueError, match='lang must be "en" or "ko"'):
        plot_weights(torch.randn(1, 1, 3, 3), lang="jp")
    assert plt.get_fignums() == []
