"""Every user-facing string, in English and Korean side by side, and the one list of languages."""
from .catalogue import LANGS, STRINGS, check_lang, text

__all__ = ["LANGS", "STRINGS", "check_lang", "text"]
