"""Rules of residents' data as pure functions: the numbers of the domain and their check digits,
and the limits and shape of a resident's name and address (public: the feeds of other apps check
their lines against the same limits)."""

from __future__ import annotations

import re

from kaigo.digits import OTHER_DIGITS_MESSAGE, digits_fold

MAX_NAME_KANJI = 50
MAX_NAME_KANA = 60
MAX_ADDRESS = 200


# --- digits typed by staff ------------------------------------------------------------------------
#
# ASCII and full-width digits only (kaigo.digits: the one fold every form field uses too).

# what a clerk puts between groups of a number: spaces and dashes (ー: the IME's long-vowel mark,
# often typed for a hyphen)
_GROUP_SEPARATORS = re.compile(r"[\s\u3000\-‐‑–—－ー−]+")


def typed_digits(value: str, *, label: str) -> str:
    """A number typed by staff, for the caller's format check: full-width digits folded to ASCII,
    spaces and hyphens between groups dropped. Another script's digits raise ValueError with a
    Japanese message naming ``label`` only; any other character is left in, so the caller's check
    (so many ASCII digits) refuses it with its own message."""
    try:
        return _GROUP_SEPARATORS.sub("", digits_fold(value))
    except ValueError:
        raise ValueError(f"{label}に使えない数字があります。{OTHER_DIGITS_MESSAGE}") from None


def kana_surname(name_kana: str) -> str:
    """The surname part of a kana name written "surname given" (full- or half-width space)."""
    return re.split(r"[\s\u3000]+", name_kana.strip(), maxsplit=1)[0]


def my_number_check_digit(first_eleven: str) -> int:
    """Check digit of an individual number (個人番号), per the ministry ordinance (総務省令第85号 第5条):
    with P_n the n-th digit from the right (excluding the check digit) and Q_n = n+1 for n<=6,
    n-5 for n>=7: remainder = sum(P_n*Q_n) mod 11; check digit = 0 if remainder <= 1 else 11 - remainder."""
    if not re.fullmatch(r"[0-9]{11}", first_eleven):
        raise ValueError("eleven digits expected")
    digits = [int(c) for c in reversed(first_eleven)]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def my_number_validate(value: str) -> str:
    """The normalised My Number (12 ASCII digits), or ValueError with a Japanese message (never
    echoing the value): ASCII and full-width digits only (``typed_digits``)."""
    number = typed_digits(value, label="個人番号")
    if not re.fullmatch(r"[0-9]{12}", number):
        raise ValueError("個人番号は12桁の数字で入力してください。")
    if my_number_check_digit(number[:11]) != int(number[11]):
        raise ValueError("個人番号の検査用数字が正しくありません。")
    return number


def insured_number_check_digit(first_nine: str) -> int:
    """Check digit of an insured number (被保険者番号): there is no national rule (DOMAIN 1.7), so the
    city uses the Luhn modulus-10 digit, which catches every single-digit error and most swaps."""
    if not re.fullmatch(r"[0-9]{9}", first_nine):
        raise ValueError("nine digits expected")
    total = 0
    for i, c in enumerate(reversed(first_nine)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def insured_number_from_serial(serial: int) -> str:
    first = f"{serial:09d}"
    return first + str(insured_number_check_digit(first))


def insured_number_validate(value: str) -> str:
    """The normalised insured number (10 ASCII digits), or ValueError with a Japanese message
    (never echoing the value): ASCII and full-width digits only (``typed_digits``)."""
    number = typed_digits(value, label="被保険者番号")
    if not re.fullmatch(r"[0-9]{10}", number):
        raise ValueError("被保険者番号は10桁の数字で入力してください。")
    if insured_number_check_digit(number[:9]) != int(number[9]):
        raise ValueError("被保険者番号の検査用数字が正しくありません。")
    return number


MASK = "＊"


def name_masked(name: str) -> str:
    """A name as a confirmation page shows it: the first character of each part, the rest masked
    ("山田 太郎" -> "山＊ 太＊"): enough to tell the record from the one beside it, not enough to
    tell who it is to someone looking over a shoulder. Parts are split on ASCII and ideographic
    spaces; an empty name stays empty."""
    parts = name.replace("\u3000", " ").split()
    return " ".join(part[0] + MASK * min(len(part) - 1, 1) for part in parts)
