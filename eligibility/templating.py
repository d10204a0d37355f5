"""What eligibility's templates call besides their context (found by kaigo.jinja2.environment)."""

from __future__ import annotations

from eligibility.residents.scope import SENSITIVE_HIDDEN

MASK = "＊＊＊＊ ＊＊＊＊ ＊＊＊＊"


def my_number_shown(resident, allowed: bool) -> str:
    """My Number for staff in number-use work; a mask for everyone else (never decrypted for them)."""
    if not allowed:
        return MASK
    number = resident.my_number
    if not number:
        return "（未登録）"
    return f"{number[:4]} {number[4:8]} {number[8:]}"


GLOBALS = {
    "my_number_shown": my_number_shown,
    # what stands in for the address and phone of a person under a support measure (支援措置)
    "sensitive_hidden": SENSITIVE_HIDDEN,
}
