"""Household history as pure functions: applying the registry's moves to a person's open stretch of
membership, and the as-of answers (who belonged to a household on a day). No database.

A stretch covers the days ``start <= day < end`` (``start`` None: since before the records; ``end``
None: still a member). The registry reports a 世帯変更 with the day it took effect (住民基本台帳法
§22-§25 の届出の異動日): the person leaves the old household and joins the new one that day. A 転出
or 死亡 ends the stretch on its day (the 住民票 is 消除 as of that day)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date


@dataclass
class Stretch:
    resident_id: int
    household_id: int
    start: date | None
    end: date | None = None
    start_cause: str = "join"
    end_cause: str = ""
    pk: int | None = None

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


@dataclass(frozen=True)
class HouseholdMove:
    """One move the registry reported: ``household_id`` None = the person leaves the city's registry
    (転出, 死亡, 職権消除); ``key`` names the change (the registry line's serial) for the event."""

    resident_id: int
    household_id: int | None
    on: date
    cause: str
    key: str = ""


@dataclass
class MovesResult:
    changed: list[Stretch] = field(default_factory=list)  # stored stretches whose end or household changed
    new: list[Stretch] = field(default_factory=list)  # stretches to insert (possibly closed already)
    deleted: list[int] = field(default_factory=list)  # stored stretches of no day (joined and left the same day)
    applied: list[tuple[HouseholdMove, int | None]] = field(default_factory=list)  # move, previous household


def moves_apply(open_stretches: dict[int, Stretch], moves: Sequence[HouseholdMove]) -> MovesResult:
    """Apply ``moves`` in order to each person's open stretch (``open_stretches``, by resident; updated
    in place). A move to the household the person is in already changes nothing. A move on or
    before the open stretch's first day corrects that stretch (the registry's second change of the
    same day, e.g. a 転入 followed by a 世帯変更 of that day): the household is replaced, or, for a
    leaving, the stretch of no day is removed."""
    result = MovesResult()
    changed: dict[int, Stretch] = {}
    for m in moves:
        cur = open_stretches.get(m.resident_id)
        if m.household_id is None:
            if cur is None:
                continue
            del open_stretches[m.resident_id]
            if cur.start is not None and m.on <= cur.start:
                _drop(cur, result, changed)
            else:
                cur.end, cur.end_cause = m.on, m.cause
                _touch(cur, result, changed)
            result.applied.append((m, cur.household_id))
            continue
        if cur is not None and cur.household_id == m.household_id:
            continue
        previous = cur.household_id if cur is not None else None
        if cur is not None and cur.start is not None and m.on <= cur.start:
            cur.household_id, cur.start_cause = m.household_id, m.cause
            _touch(cur, result, changed)
        else:
            if cur is not None:
                cur.end, cur.end_cause = m.on, m.cause
                _touch(cur, result, changed)
            new = Stretch(m.resident_id, m.household_id, m.on, start_cause=m.cause)
            result.new.append(new)
            open_stretches[m.resident_id] = new
        result.applied.append((m, previous))
    result.changed = list(changed.values())
    return result


def _touch(s: Stretch, result: MovesResult, changed: dict[int, Stretch]) -> None:
    if s.pk is not None:
        changed[s.pk] = s


def _drop(s: Stretch, result: MovesResult, changed: dict[int, Stretch]) -> None:
    if s.pk is not None:
        changed.pop(s.pk, None)
        result.deleted.append(s.pk)
    else:
        result.new.remove(s)


def household_of_on(stretches: Iterable[Stretch], resident_id: int, day: date) -> int | None:
    """The household ``resident_id`` belonged to on ``day`` (None: none recorded)."""
    return next((s.household_id for s in stretches if s.resident_id == resident_id and s.covers(day)), None)


def members_on(stretches: Iterable[Stretch], household_id: int, day: date) -> list[int]:
    """The residents who belonged to ``household_id`` on ``day``, by number."""
    return sorted({s.resident_id for s in stretches if s.household_id == household_id and s.covers(day)})
