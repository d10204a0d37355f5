"""The person's page and tabs, assembled from what each app registers (docs/subsystems/shell.md,
"Person tabs and overview sections").

A person's overview (宛名照会, eligibility) is the counter's page: it shows what every domain
holds about the person, but eligibility may not import the apps above it (premiums,
certification, benefits). So each app registers, in a ``sections.py`` module of the app or of one
of its sub-domain packages (found like ``batch_kinds.py``, kaigo.discovery):

- ``PersonTab``: a tab of the person (its label, the URL name taking the resident's number, the
  permission that shows it, its place and access key), shown on every person page by the tabs bar
  (``jinja2/_person.html``);
- ``OverviewSection``: a part of the overview, with the permission that shows it, its place, its
  template (the app's own) and ``read``, the app's selector: ``read(actor=, request=, resident=,
  today=)`` checks scope itself, writes its own access-log row for what it shows (queued in the
  overview's audit access_log_batch: one statement for the page's rows) and returns the
  template's ``data`` (None: nothing to show).

The core names no app: what is shown comes from the registrations; a staff member sees only the
tabs and sections whose permission they hold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from kaigo.discovery import autodiscover
from kaigo.staff.roles import PERMISSIONS, has_permission


@dataclass(frozen=True)
class PersonTab:
    key: str  # what a page names as its active tab ("premiums")
    label: str  # Japanese, as the tabs bar shows it
    url_name: str  # a URL pattern with one integer argument, the resident's number
    permission: str | None  # None: every staff member who may open the person
    order: int
    accesskey: str = ""


@dataclass(frozen=True)
class OverviewSection:
    key: str
    title: str  # the section's heading on the overview
    template: str  # rendered with ``data`` (what ``read`` returned) and ``resident``
    permission: str
    order: int
    # read(actor=, request=, resident=, today=) -> the template's data, or None to show nothing;
    # it checks scope and writes its own access-log row (it is the app's selector)
    read: Callable[..., object]


_tabs: dict[str, PersonTab] = {}
_sections: dict[str, OverviewSection] = {}
_discovered = False
_lock = threading.Lock()


def _permission_check(name: str | None) -> None:
    if name is not None and name not in PERMISSIONS:
        raise KeyError(f"unknown permission {name!r}")  # a typo fails at import, not by hiding a tab


def person_tab_register(tab: PersonTab) -> PersonTab:
    _permission_check(tab.permission)
    if tab.key in _tabs and _tabs[tab.key] != tab:
        raise ValueError(f"person tab {tab.key!r} is registered twice")
    _tabs[tab.key] = tab
    return tab


def overview_section_register(section: OverviewSection) -> OverviewSection:
    _permission_check(section.permission)
    if section.key in _sections and _sections[section.key] != section:
        raise ValueError(f"overview section {section.key!r} is registered twice")
    _sections[section.key] = section
    return section


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            autodiscover("sections")
            _discovered = True


def all_person_tabs() -> list[PersonTab]:
    _discover()
    return sorted(_tabs.values(), key=lambda t: (t.order, t.key))


def all_overview_sections() -> list[OverviewSection]:
    _discover()
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def person_tabs(user) -> tuple[PersonTab, ...]:
    """The tabs ``user`` may open, in order."""
    return tuple(t for t in all_person_tabs() if t.permission is None or has_permission(user, t.permission))


def overview_sections(user) -> list[OverviewSection]:
    """The overview's sections ``user`` may see, in order."""
    return [s for s in all_overview_sections() if has_permission(user, s.permission)]
