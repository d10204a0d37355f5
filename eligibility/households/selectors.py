"""Reads of the household history (public for other apps): the as-of answers. No access log: they
return internal numbers only, and the caller logs what it shows of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from kaigo.db import fetch_rows

_COVERS = "(m.start IS NULL OR m.start <= %(day)s) AND (m.\"end\" IS NULL OR %(day)s < m.\"end\")"


def household_of_on(resident_id: int, day: date) -> int | None:
    """The household (世帯番号) ``resident_id`` belonged to on ``day``, or None."""
    rows = fetch_rows(f"SELECT m.household_id FROM eligibility_householdmembership m "
                      f"WHERE m.resident_id = %(person)s AND {_COVERS}", {"person": resident_id, "day": day})
    return rows[0].household_id if rows else None


def household_members_on(*, day: date, resident_id: int | None = None, household_id: int | None = None) -> list[int]:
    """The members (宛名番号, ascending) on ``day`` of ``household_id``, or of the household
    ``resident_id`` belonged to that day (the resident included); [] when there was none."""
    if (resident_id is None) == (household_id is None):
        raise TypeError("household_members_on takes one of resident_id or household_id")
    if household_id is None:
        household_id = household_of_on(resident_id, day)
        if household_id is None:
            return []
    return [r.resident_id for r in fetch_rows(
        f"SELECT DISTINCT m.resident_id FROM eligibility_householdmembership m "
        f"WHERE m.household_id = %(household)s AND {_COVERS} ORDER BY m.resident_id",
        {"household": household_id, "day": day})]


def first_class_household_members_on(resident_ids: Sequence[int], day: date) -> dict[int, tuple[int, ...]]:
    """For each of ``resident_ids``: the 第1号被保険者 (a current qualification period of class 1
    covering ``day``) among the members on ``day`` of the household the person belonged to that day,
    the person included when first-class. One query for the whole set (the ratio's batch chunks). A
    person with no household that day maps to the persons themselves if first-class, else ()."""
    # one SELECT (no WITH: the change trail's context is set before any statement that is not a
    # plain SELECT, pghistory.runtime)
    rows = fetch_rows(
        "SELECT s.resident_id, array_agg(DISTINCT s.member ORDER BY s.member) "
        "  FILTER (WHERE q.id IS NOT NULL) AS first_class FROM ("
        "  SELECT me.resident_id, coalesce(o.resident_id, me.resident_id) AS member FROM ("
        "    SELECT p.id AS resident_id, m.household_id FROM unnest(%(ids)s::bigint[]) AS p(id) "
        f"    LEFT JOIN eligibility_householdmembership m ON m.resident_id = p.id AND {_COVERS}) me "
        "  LEFT JOIN eligibility_householdmembership o ON o.household_id = me.household_id "
        "   AND (o.start IS NULL OR o.start <= %(day)s) AND (o.\"end\" IS NULL OR %(day)s < o.\"end\")) s "
        "LEFT JOIN eligibility_qualificationperiod q ON q.resident_id = s.member AND q.recorded_to IS NULL "
        " AND q.insured_class = '1' AND q.start <= %(day)s AND (q.\"end\" IS NULL OR %(day)s < q.\"end\") "
        "GROUP BY s.resident_id", {"ids": list(resident_ids), "day": day})
    return {r.resident_id: tuple(r.first_class or ()) for r in rows}


def households_on(resident_ids: Sequence[int], day: date) -> dict[int, int]:
    """The household each of ``resident_ids`` belonged to on ``day`` (absent: none recorded)."""
    return {r.resident_id: r.household_id for r in fetch_rows(
        f"SELECT m.resident_id, m.household_id FROM eligibility_householdmembership m "
        f"WHERE m.resident_id = ANY(%(ids)s) AND {_COVERS}", {"ids": list(resident_ids), "day": day})}


def members_of_households_on(household_ids: Sequence[int], day: date) -> dict[int, list[int]]:
    """The members (ascending) on ``day`` of each of ``household_ids``, one query for the set (the
    high-cost refund's chunks); a household with no member that day is absent."""
    found: dict[int, list[int]] = {}
    for r in fetch_rows(f"SELECT DISTINCT m.household_id, m.resident_id FROM eligibility_householdmembership m "
                        f"WHERE m.household_id = ANY(%(ids)s) AND {_COVERS} ORDER BY m.household_id, m.resident_id",
                        {"ids": list(household_ids), "day": day}):
        found.setdefault(r.household_id, []).append(r.resident_id)
    return found
