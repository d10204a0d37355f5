"""Filters of the premium screens. ``yen`` formats an amount with thousands separators in plain
Python (humanize's intcomma localises each number: on the premium tab's few hundred amounts it
was most of the rendering time)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter(is_safe=True)
def yen(value) -> str:
    """12345 -> "12,345" (amounts are int yen; anything else is shown as is)."""
    return f"{value:,}" if isinstance(value, int) else ("" if value is None else str(value))


@register.filter(is_safe=True)
def ymd(value) -> str:
    """A date as 2026-07-31 ("" for none), without the date filter's format machinery."""
    return value.isoformat() if value is not None else ""
