from django import template

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
