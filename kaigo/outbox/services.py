"""Publishing (inside the caller's transaction) and relaying domain events."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from kaigo.db import copy_rows
from kaigo.outbox.models import ConsumedEvent, OutboxEvent
from kaigo.outbox.registry import consumers_of

log = logging.getLogger(__name__)
RELAY_BATCH = 500
_RELAY_LOCK = 0x4F55_5442  # advisory lock: one relay at a time keeps each person's events in order


@dataclass(frozen=True)
class NewEvent:
    topic: str
    dedupe_key: str
    person_id: int | None = None
    effective_from: date | None = None
    payload: dict | None = None


def publish(events: Iterable[NewEvent]) -> int:
    """Write events in the caller's transaction (nothing is published for a rolled-back change).
    An event whose dedupe_key exists already is skipped: the same change publishes once.
    Returns the number written."""
    events = list(events)
    if not events:
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError("publish() belongs inside the transaction of the change it announces")
    import json

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS outbox_incoming "
                       "(topic text, dedupe_key text, person_id bigint, effective_from date, payload jsonb) "
                       "ON COMMIT DELETE ROWS")
        cursor.execute("TRUNCATE outbox_incoming")
    copy_rows("outbox_incoming", ["topic", "dedupe_key", "person_id", "effective_from", "payload"],
              ((e.topic, e.dedupe_key, e.person_id, e.effective_from, json.dumps(e.payload or {})) for e in events))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO outbox_outboxevent (topic, dedupe_key, person_id, effective_from, payload, created_at, "
            "attempts, last_error) SELECT topic, dedupe_key, person_id, effective_from, payload, now(), 0, '' "
            "FROM outbox_incoming ORDER BY person_id, effective_from ON CONFLICT (dedupe_key) DO NOTHING"
        )
        written = cursor.rowcount
    if written:
        transaction.on_commit(_kick_relay)
    return written


def _kick_relay() -> None:
    from kaigo.outbox.tasks import outbox_relay

    try:
        outbox_relay.delay()
    except Exception:  # noqa: BLE001 - the beat job delivers later; the events are safe in the table
        log.warning("outbox relay could not be queued; the periodic relay will deliver")


@dataclass
class RelayResult:
    delivered: int = 0
    failed: int = 0
    busy: bool = False


def relay(*, limit: int = RELAY_BATCH) -> RelayResult:
    """Deliver unpublished events in order to every consumer of their topic, each handler and its
    receipt in one savepoint; the event is marked published when all its consumers have it."""
    result = RelayResult()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_RELAY_LOCK])
            if not cursor.fetchone()[0]:
                result.busy = True
                return result
        events = list(OutboxEvent.objects.filter(published_at__isnull=True).order_by("id")[:limit])
        now = timezone.now()
        # the receipts of the whole batch in one query (an event retried after a failure has some)
        receipts: dict[int, set[str]] = {}
        for event_id, name in ConsumedEvent.objects.filter(event__in=events).values_list("event_id", "consumer"):
            receipts.setdefault(event_id, set()).add(name)
        for event in events:
            done = receipts.get(event.pk, set())
            ok = True
            for c in consumers_of(event.topic):
                if c.name in done:
                    continue
                try:
                    with transaction.atomic():
                        c.handler(event)
                        ConsumedEvent.objects.create(consumer=c.name, event=event)
                except Exception as exc:  # noqa: BLE001 - kept for the next relay; the others go on
                    ok = False
                    event.attempts += 1
                    event.last_error = f"{c.name}: {type(exc).__name__}"[:80]
                    log.warning("outbox consumer %s failed on event %s", c.name, event.pk)
            if ok:
                event.published_at = now
                result.delivered += 1
            else:
                result.failed += 1
            OutboxEvent.objects.filter(pk=event.pk).update(
                published_at=event.published_at, attempts=event.attempts, last_error=event.last_error)
    return result
