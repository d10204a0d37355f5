"""Digits typed by staff (pure functions, shared by every app).

A clerk types numbers with ASCII or full-width (全角) digits; full-width ones are folded to ASCII.
Python's ``\\d``, ``int()``, ``strptime`` and NFKC accept or keep the decimal digits of every
script (Arabic-Indic ٣, Devanagari ३, ...): such a number would pass unnormalised, be stored in
another spelling and index under another blind index (the same person registered twice). So
every other digit is refused, with a message that names the field, never the value.
"""

from __future__ import annotations

import unicodedata

FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
OTHER_DIGITS_MESSAGE = "数字は半角または全角の0〜9で入力してください（他の文字体系の数字は使えません）。"


def digits_fold(text: str) -> str:
    """``text`` with full-width digits folded to ASCII; ValueError (Japanese, without the value)
    when it holds a decimal digit of any other script. Other characters are left for the caller's
    own format check (a date's separators, a number's)."""
    folded = text.translate(FULL_WIDTH_DIGITS)
    if not folded.isascii() and any(unicodedata.category(c) == "Nd" and not "0" <= c <= "9" for c in folded):
        raise ValueError(OTHER_DIGITS_MESSAGE)
    return folded
