"""Pictures: one colour language (:mod:`.style`), Korean fonts (:mod:`.fonts`), the drawing
primitives the explorers paint with (:mod:`.drawing`) and the weight and feature-map plots
(:mod:`.plots`, lesson 04)."""
from .fonts import find_korean_font, font_context, korean_font_file, korean_rc, use_korean_font
from .plots import plot_feature_maps, plot_weights

__all__ = ["plot_weights", "plot_feature_maps", "use_korean_font", "korean_rc",
           "find_korean_font", "font_context", "korean_font_file"]
