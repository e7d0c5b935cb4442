"""Pictures: one colour language (:mod:`.style`), Korean fonts (:mod:`.fonts`), the drawing
primitives the explorers paint with (:mod:`.drawing`) and the weight and feature-map plots
(:mod:`.plots`, lesson 04; lesson 07's training pictures)."""
from .fonts import find_korean_font, font_context, korean_font_file, korean_rc, use_korean_font
from .plots import (TrainingPlot, draw_kernel_fit, plot_confusion, plot_feature_maps,
                    plot_kernel_fit, plot_weights)

__all__ = ["plot_weights", "plot_feature_maps", "use_korean_font", "korean_rc",
           "find_korean_font", "font_context", "korean_font_file",
           "plot_kernel_fit", "draw_kernel_fit", "TrainingPlot", "plot_confusion"]
