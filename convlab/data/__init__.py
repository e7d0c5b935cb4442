"""Datasets for the lessons: MNIST through torchvision's own API, working offline (lesson 04)."""
from .mnist_offline import IDX_FILES, SAMPLE_MARKER, MNISTDataError, describe, mnist

__all__ = ["mnist", "describe", "MNISTDataError", "SAMPLE_MARKER", "IDX_FILES"]
