"""Reads of the audit records, for supervisors' screens.

Lists are keyset-paginated by seq, newest first: the page after one ending at seq N is
``seq < N``. Nothing counts the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, QuerySet

from audit.models import AccessLogEntry, AuditAlert, Chain, ChainCheckpoint

PAGE_SIZE = 100
ALERT_LIST_LIMIT = 200


@dataclass(frozen=True)
class AccessLogPage:
    entries: list[AccessLogEntry]
    next_before: int | None  # the seq to pass as ``before_seq`` for the next page; None on the last page


def access_log_search(
    *,
    username: str = "",
    person_id: int | None = None,
    function: str = "",
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    before_seq: int | None = None,
    page_size: int = PAGE_SIZE,
) -> AccessLogPage:
    """Entries matching every given criterion, newest first, one page.

    ``username`` is matched against the staff account (so it finds the account's entries under
    an earlier name too); ``person_id`` against the internal numbers an entry covers.
    """
    qs: QuerySet[AccessLogEntry] = AccessLogEntry.objects.defer("prev_hash", "row_hash")
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
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    rows = list(qs.order_by("-seq")[: page_size + 1])
    more = len(rows) > page_size
    entries = rows[:page_size]
    return AccessLogPage(entries=entries, next_before=entries[-1].seq if more else None)


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
