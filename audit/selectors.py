"""Reads of the audit records, for supervisors' screens.

Lists are keyset-paginated, newest first: the page of the access log after one ending at id N is
``id < N``; a person's change trail pages by (time, table, event id). Nothing counts a table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.db import connection, models
from django.db.models import F, QuerySet

from audit.models import AccessLogEntry, AuditAlert, Chain, ChainCheckpoint
from audit.services import access_log_write
from audit.trail_models import person_trail_sources

PAGE_SIZE = 100
ALERT_LIST_LIMIT = 200


@dataclass(frozen=True)
class AccessLogPage:
    entries: list[AccessLogEntry]
    next_before: int | None  # the id to pass as ``before_id`` for the next page; None on the last page


def access_log_search(
    *,
    actor,
    request=None,
    criteria_kind: str = "",
    username: str = "",
    person_id: int | None = None,
    function: str = "",
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    before_id: int | None = None,
    page_size: int = PAGE_SIZE,
) -> AccessLogPage:
    """Entries matching every given criterion, newest first, one page.

    ``username`` is matched against the staff account (so it finds the account's entries under
    an earlier name too); ``person_id`` against the internal numbers an entry covers. Looking at
    the log is itself a read about the person searched for: it is logged (function
    ``audit.search``, the kinds of criteria given, never their values).
    """
    qs: QuerySet[AccessLogEntry] = AccessLogEntry.objects.all()
    if username:
        qs = qs.filter(staff__username=username)
    if person_id is not None:
        qs = qs.filter(person_ids__contains=[person_id])
    if function:
        qs = qs.filter(function=function)
    if created_from is not None:
        qs = qs.filter(created_at__gte=created_from)
    if created_before is not None:
        qs = qs.filter(created_at__lt=created_before)
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    rows = list(qs.order_by("-id")[: page_size + 1])
    more = len(rows) > page_size
    entries = rows[:page_size]
    access_log_write(actor=actor, request=request, function="audit.search", channel=AccessLogEntry.Channel.SCREEN,
                     person_ids=[person_id] if person_id is not None else [], hits=len(entries),
                     criteria_kind=criteria_kind)
    return AccessLogPage(entries=entries, next_before=entries[-1].id if more else None)


def open_alert_count() -> int:
    """The alerts nobody has acknowledged yet (shown on the access-log screen)."""
    return AuditAlert.objects.filter(acknowledged_at__isnull=True).count()


def alert_list(*, limit: int = ALERT_LIST_LIMIT) -> list[AuditAlert]:
    """Unacknowledged alerts first, then the latest acknowledged ones."""
    return list(
        AuditAlert.objects.select_related("acknowledged_by").order_by(
            F("acknowledged_at").desc(nulls_first=True), "-id"
        )[:limit]
    )


def latest_checkpoints() -> dict[str, ChainCheckpoint | None]:
    """The last verification of each chain."""
    return {chain: ChainCheckpoint.objects.filter(chain=chain).order_by("-id").first() for chain in Chain.values}


# --- the change trail of a person ---------------------------------------------------------------

TRAIL_PAGE_SIZE = 50
TRAIL_ACTIONS = {"insert": "作成", "update": "更新", "delete": "削除"}
ENCRYPTED_CHANGED = "変更あり"
TRAIL_CURSOR = re.compile(r"(?P<source>[a-z])(?P<pgh_id>[1-9][0-9]{0,17})")


@dataclass(frozen=True)
class TrailField:
    name: str
    column: str
    label: str
    encrypted: bool
    field: models.Field


@dataclass(frozen=True)
class TrailSource:
    """One event table in a person's trail (registered by the app that owns it:
    audit.trail_models.person_trail_source): its key in cursors, its rank among events of the
    same moment, its label on the screen, which of its rows are the person's, and the fields shown."""

    key: str
    rank: int
    label: str
    table: str
    where: str
    fields: tuple[TrailField, ...]


@cache
def trail_sources() -> dict[str, TrailSource]:
    """The sources of a person's trail, from the registry the apps filled when their models loaded."""
    return {
        key: TrailSource(key, source.rank, source.label, source.table, source.where, tuple(
            TrailField(f.name, f.column, str(f.verbose_name), f.name in source.encrypted, f) for f in source.fields
        ))
        for key, source in person_trail_sources().items()
    }


@dataclass(frozen=True)
class TrailChange:
    label: str
    before: str = ""
    after: str = ""
    encrypted: bool = False  # shown as ENCRYPTED_CHANGED, never with a value


@dataclass(frozen=True)
class TrailEntry:
    cursor: str  # "r123": source key and event id
    source: str
    object_id: int
    created_at: datetime
    action: str
    context: dict
    changes: list[TrailChange]
    without_previous: bool  # an update whose previous state was never recorded

    @property
    def username(self) -> str:
        return str(self.context.get("username") or "")

    @property
    def function(self) -> str:
        return str(self.context.get("function") or self.context.get("url") or "")

    @property
    def batch_run_id(self) -> int | None:
        return self.context.get("batch_run_id")


@dataclass(frozen=True)
class TrailPage:
    entries: list[TrailEntry]
    next_before: str | None  # cursor of the next (older) page; None on the last page


def _source_sql(source: TrailSource) -> str:
    """Events of one table with, for each, the previous event of the same row (LAG over the row's
    whole history): clear values as JSON, and for encrypted columns only whether the ciphertext
    differs. No ciphertext leaves the database."""
    clear = [f for f in source.fields if not f.encrypted]
    encrypted = [f for f in source.fields if f.encrypted]
    values = "jsonb_build_object(" + ", ".join(f"'{f.name}', e.\"{f.column}\"" for f in clear) + ")"
    changed = "jsonb_build_object(" + ", ".join(
        f"'{f.name}', e.\"{f.column}\" IS DISTINCT FROM LAG(e.\"{f.column}\") OVER w" for f in encrypted
    ) + ")"
    return (
        f"SELECT '{source.key}' AS source, {source.rank} AS rank, e.pgh_id, e.pgh_created_at, e.pgh_label,"
        f" e.pgh_obj_id, e.pgh_context, {values} AS cur, LAG({values}) OVER w AS prev,"
        f" LAG(e.pgh_id) OVER w AS prev_id, {changed} AS encrypted_changed"
        f" FROM {source.table} e WHERE {source.where}"
        " WINDOW w AS (PARTITION BY e.pgh_obj_id ORDER BY e.pgh_id)"
    )


def _person_trail_sql(before: tuple[TrailSource, int] | None) -> str:
    union = " UNION ALL ".join(f"({_source_sql(source)})" for source in trail_sources().values())
    sql = f"SELECT * FROM ({union}) t"
    if before is not None:
        source, _ = before
        sql += (
            f" WHERE (t.pgh_created_at, t.rank, t.pgh_id) < ("
            f"(SELECT c.pgh_created_at FROM {source.table} c WHERE c.pgh_id = %(before_id)s), {source.rank},"
            " %(before_id)s)"
        )
    return sql + " ORDER BY t.pgh_created_at DESC, t.rank DESC, t.pgh_id DESC LIMIT %(limit)s"


def _display(field: models.Field, value) -> str:
    if value is None:
        return "（なし）"
    if field.is_relation:
        return str(value)  # an internal number
    value = field.to_python(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _changes(source: TrailSource, label: str, cur: dict, prev: dict | None, encrypted_changed: dict) -> list[TrailChange]:
    if label == "delete":
        return []  # the row as it was when deleted: nothing changed in it
    changes = []
    for f in source.fields:
        if f.encrypted:
            if prev is not None or label == "insert":
                if encrypted_changed.get(f.name):
                    changes.append(TrailChange(f.label, encrypted=True))
            continue
        after = cur.get(f.name)
        if prev is None:
            if after is not None:
                changes.append(TrailChange(f.label, "—" if label == "insert" else "（記録なし）", _display(f.field, after)))
        elif prev.get(f.name) != after:
            changes.append(TrailChange(f.label, _display(f.field, prev.get(f.name)), _display(f.field, after)))
    return changes


def _json(value):
    """jsonb arrives as text (Django registers psycopg's text loader for it)."""
    return json.loads(value) if isinstance(value, str) else value


def parse_trail_cursor(value: str) -> tuple[TrailSource, int] | None:
    """A cursor from a "next page" link ("r123"); None if it is not one."""
    found = TRAIL_CURSOR.fullmatch(value or "")
    if found is None or found["source"] not in trail_sources():
        return None
    return trail_sources()[found["source"]], int(found["pgh_id"])


def person_trail(
    *, actor, request=None, resident_id: int, before: tuple[TrailSource, int] | None = None,
    page_size: int = TRAIL_PAGE_SIZE,
) -> TrailPage:
    """The change trail of one resident, newest first, one page (one query): the events of the
    registered sources (eligibility: the resident and the households they were recorded in).
    Reads event rows only, never the live row's encrypted values. It shows dates and codes about
    the person, so the read is logged like any read of their data (function ``audit.trail``)."""
    page = _person_trail(resident_id=resident_id, before=before, page_size=page_size)
    access_log_write(actor=actor, request=request, function="audit.trail", channel=AccessLogEntry.Channel.SCREEN,
                     person_ids=[resident_id], hits=len(page.entries))
    return page


def _person_trail(*, resident_id: int, before: tuple[TrailSource, int] | None, page_size: int) -> TrailPage:
    if not trail_sources():  # no app declared a source (the trail's apps are not installed)
        return TrailPage(entries=[], next_before=None)
    params = {"person": resident_id, "limit": page_size + 1}
    if before is not None:
        params["before_id"] = before[1]
    with connection.cursor() as cursor:
        cursor.execute(_person_trail_sql(before), params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    json_columns = ("pgh_context", "cur", "prev", "encrypted_changed")
    entries = []
    for row in rows[:page_size]:
        row.update({name: _json(row[name]) for name in json_columns})
        source = trail_sources()[row["source"]]
        label = row["pgh_label"]
        prev = row["prev"] if row["prev_id"] is not None else None
        entries.append(TrailEntry(
            cursor=f"{source.key}{row['pgh_id']}",
            source=source.label,
            object_id=row["pgh_obj_id"],
            created_at=row["pgh_created_at"],
            action=TRAIL_ACTIONS.get(label, label),
            context=row["pgh_context"] or {},
            changes=_changes(source, label, row["cur"], prev, row["encrypted_changed"]),
            without_previous=label == "update" and prev is None,
        ))
    return TrailPage(entries=entries, next_before=entries[-1].cursor if len(rows) > page_size else None)
