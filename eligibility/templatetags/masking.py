from django import template

from eligibility.residents.scope import SENSITIVE_HIDDEN

register = template.Library()

MASK = "＊＊＊＊ ＊＊＊＊ ＊＊＊＊"


@register.simple_tag
def my_number_shown(resident, allowed: bool) -> str:
    """My Number for staff in number-use work; a mask for everyone else (never decrypted for them)."""
    if not allowed:
        return MASK
    number = resident.my_number
    if not number:
        return "（未登録）"
    return f"{number[:4]} {number[4:8]} {number[8:]}"


@register.simple_tag
def sensitive_hidden() -> str:
    """What stands in for the address and phone of a person under a support measure (支援措置)."""
    return SENSITIVE_HIDDEN
