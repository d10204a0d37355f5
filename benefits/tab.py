"""The person's 給付 tab: a small registry of sections inside benefits, so that each benefit package
(ratio, records, refunds, restrictions, regional) shows its part on one page. A section names its
template and a ``read(actor=, request=, resident=, today=)`` returning the template's ``section``
(a selector of its package). As with the overview's sections (kaigo.shell.sections): the tab checks
the person's scope with its header and writes its own row (``benefits.tab``: the header and the
co-payment ratio); a section that reads another function's data checks its role and writes its own
row (``benefit.records.summary``, ``benefit.regional.summary``, ``benefit.restrictions``), queued in
the tab's ``access_log_batch``: one statement for the page. ``read`` may return None: the section
then says there is nothing. Sections show in ``order``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BenefitSection:
    key: str
    title: str  # Japanese heading
    template: str  # a Jinja2 template rendering the section from ``section`` (the read's value)
    read: Callable[..., Any]
    order: int = 100


_SECTIONS: dict[str, BenefitSection] = {}


def benefit_section_register(section: BenefitSection) -> BenefitSection:
    if section.key in _SECTIONS and _SECTIONS[section.key] != section:
        raise RuntimeError(f"benefit section registered twice: {section.key}")
    _SECTIONS[section.key] = section
    return section


def benefit_sections() -> list[BenefitSection]:
    _discover()
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def _discover() -> None:
    """Import each benefit package's ``sections`` module (where it registers its section)."""
    from importlib import import_module

    from kaigo.discovery import role_modules

    for module in role_modules("sections"):
        if module.startswith("benefits."):
            import_module(module)
