"""Exercises checked against PyTorch at check time: ``exercises.check("id", answer, lang)``."""
from .catalogue import EXERCISES, CheckResult, Exercise, check, ids, question

__all__ = ["check", "question", "ids", "CheckResult", "Exercise", "EXERCISES"]
