"""Writes of the household history: the registry intake's moves recorded as dated memberships, and
an event per applied move (``eligibility.household_changed``) so that the per-household rules
(負担割合, 高額介護サービス費) recompute. Runs in the caller's transaction (the intake's chunk)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from eligibility.households.models import HouseholdMembership
from eligibility.households.rules import HouseholdMove, Stretch, moves_apply
from kaigo.db import copy_rows, fetch_rows, update_rows
from kaigo.outbox.services import NewEvent, publish

TOPIC = "eligibility.household_changed"


def household_moves_record(moves: Sequence[HouseholdMove]) -> int:
    """Record ``moves`` (in the registry's order) against each person's open membership, set-based:
    one locked read of the open stretches, one UPDATE of the changed, one COPY of the new. Publishes
    one event per applied move (payload: ids and codes only). Returns the moves applied."""
    if not moves:
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError("household_moves_record() runs in the transaction of the registry change")
    people = sorted({m.resident_id for m in moves})
    open_stretches = {
        r.resident_id: Stretch(r.resident_id, r.household_id, r.start, None, r.start_cause, "", r.id)
        for r in fetch_rows(
            "SELECT id, resident_id, household_id, start, start_cause FROM eligibility_householdmembership "
            "WHERE resident_id = ANY(%s) AND \"end\" IS NULL ORDER BY resident_id FOR UPDATE", [people])
    }
    result = moves_apply(open_stretches, moves)
    if result.deleted:
        HouseholdMembership.objects.filter(pk__in=result.deleted).delete()
    if result.changed:
        update_rows(HouseholdMembership, "id", ["household_id", "start_cause", "end", "end_cause"],
                    ((s.pk, s.household_id, s.start_cause, s.end, s.end_cause) for s in result.changed),
                    types=["int8", "int8", "text", "date", "text"])
    if result.new:
        now = timezone.now()
        copy_rows(HouseholdMembership, ["resident_id", "household_id", "start", "end", "start_cause", "end_cause",
                                        "recorded_at"],
                  ((s.resident_id, s.household_id, s.start, s.end, s.start_cause, s.end_cause, now)
                   for s in result.new),
                  types=["int8", "int8", "date", "date", "text", "text", "timestamptz"])
    publish(NewEvent(topic=TOPIC, dedupe_key=f"household:{m.key or f'{m.resident_id}:{m.on}:{m.household_id}'}",
                     person_id=m.resident_id, effective_from=m.on,
                     payload={"household": m.household_id, "previous": previous, "cause": m.cause})
            for m, previous in result.applied)
    return len(result.applied)



def household_history_backfill(resident_ids: Sequence[int] | None = None) -> int:
    """One stretch "since before the records" for every resident (or each of ``resident_ids``)
    with a household and no stretch yet: the statement of migration 0010, for residents written by
    other paths since (the generated city's COPY, the command ``household_history_backfill``).
    Set-based; idempotent. A resident who moved out or died has the stretch closed on that day."""
    from importlib import import_module

    statement = import_module("eligibility.migrations.0010_household_history").BACKFILL
    params: list = []
    if resident_ids is not None:
        statement += " AND r.id = ANY(%s)"
        params.append(list(resident_ids))
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount
