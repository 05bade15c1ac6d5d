"""Text the Rust tokenizers accept: a lone UTF-16 surrogate (which JSON escapes such as
``\\ud800`` put into a Python string) makes them raise, so it becomes U+FFFD first."""

from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def tokenizable(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the same text otherwise)."""
    return _LONE_SURROGATE.sub("\ufffd", text)
