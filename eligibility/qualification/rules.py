"""Qualification rules (資格管理) as pure functions: no database, no ORM. Public: other apps use
them (premiums: ``premium_months``).

Dates follow DOMAIN.md section 1; the rules, their legal basis and the precedence chosen where
DOMAIN is silent are in docs/subsystems/qualification-rules.md. Conventions:

- a period is half-open: ``start`` is the 資格取得日 (first insured day), ``end`` the 資格喪失日
  (first day not insured), ``None`` while open;
- a residence spell's ``end`` is the day the address here ends (the registry's 異動日 of a 転出,
  the day of death, the day of an ex-officio removal); whether that day is still insured depends
  on where the person went (法 §11: ``residence_loss_date``);
- a stay's ``end`` is the day of leaving the facility (退所日).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models

from eligibility.codes import (
    FACILITY_CATEGORY_KIND,
    OFFICE_NUMBER_REQUIRED,
    OWN_MUNICIPALITY_CODES,
    ChangeReason,
    FacilityCategory,
    FacilityKind,
    GainReason,
    InsuredClass,
    LossReason,
    StayKind,
)

ONE_DAY = timedelta(days=1)

# 介護保険法 附則第1条: 「この法律は、平成十二年四月一日から施行する。」 No one is insured before
# that day; a person resident and aged 65 (or over) on it was insured from it (DOMAIN 1.2 has no
# code for this gain: its reason is 49 その他, the date 2000-04-01 names it).
INSURANCE_START = date(2000, 4, 1)


# --- dates of single events ------------------------------------------------------------------


def age_reached_on(birth_date: date, age: int) -> date:
    """The day a person born on ``birth_date`` reaches ``age`` (年齢計算ニ関スル法律, 民法 §143):
    the day before the birthday; born 29 February -> 28 February (the last day of February in a
    common year, the day before 29 February in a leap year); born 1 March -> the last day of
    February."""
    if age < 1:
        raise ValueError("age must be at least 1")
    year = birth_date.year + age
    try:
        anniversary = birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year: the period ends at the end of February
        anniversary = date(year, 3, 1)
    return anniversary - ONE_DAY


def age_on(birth_date: date, day: date) -> int:
    """The age (満年齢) of a person born on ``birth_date`` on ``day``, as the insurance counts it
    (年齢計算ニ関スル法律 第1項: counted from the day of birth; 第2項 with 民法 §143: each year
    of age ends at the end of the day before the birthday): from the day ``age_reached_on`` gives
    (the day before the birthday, the day 介護保険法 §9 and §10 treat as 「65歳に達した日」), the
    person is of that age. So on the day their first-class qualification begins the overview says
    65, not 64. 0 before the first birthday's eve (and for a day before birth)."""
    age = day.year - birth_date.year
    while age >= 1 and age_reached_on(birth_date, age) > day:
        age -= 1
    return max(age, 0)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February -> 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a month written "YYYY-MM" in ASCII digits (int() alone would read
    any script's digits)."""
    match = _MONTH.fullmatch(month)
    if match is None:
        raise ValueError("a month is written YYYY-MM in ASCII digits")
    year, mon = int(match[1]), int(match[2])
    first = date(year, mon, 1)
    return first, next_month_start(first) - ONE_DAY


def next_month_start(day: date) -> date:
    """The 1st of the month after ``day``'s."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def first_class_gain_date(birth_date: date) -> date:
    """65歳到達日 (法 §10): the 資格取得日 of a resident turning 65."""
    return age_reached_on(birth_date, 65)


def second_class_age_date(birth_date: date) -> date:
    """40歳到達日: the earliest day a person can be a 第2号被保険者."""
    return age_reached_on(birth_date, 40)


def move_in_gain_date(moved_in_on: date) -> date:
    """転入: insured on the move-in day itself (法 §10)."""
    return moved_in_on


def residence_loss_date(address_ended_on: date, *, to_other_municipality: bool) -> date:
    """The 資格喪失日 when the address in the city ends (介護保険法 §11 第1項):

    「当該市町村の区域内に住所を有しなくなった日の翌日から、その資格を喪失する。ただし、当該市町村の
    区域内に住所を有しなくなった日に他の市町村の区域内に住所を有するに至ったときは、その日から、
    その資格を喪失する。」

    ``address_ended_on`` is the day the person ceased to have an address here;
    ``to_other_municipality`` says whether on that same day they came to have an address in
    another municipality in Japan (the proviso: lost on that day). Otherwise (abroad, death, an
    ex-officio removal, a destination not known) the main rule: lost on the day after."""
    return address_ended_on if to_other_municipality else address_ended_on + ONE_DAY


def move_out_loss_date(moved_out_on: date, *, abroad: bool) -> date:
    """転出 (法 §11 第1項): to another municipality in Japan, lost on the 転出日 itself (the registry's
    異動日 of a confirmed 転出 is the day of the new address: 住民基本台帳法 §9 第1項, the new
    municipality's 転入通知); abroad (国外転出), on the day after."""
    return residence_loss_date(moved_out_on, to_other_municipality=not abroad)


def death_loss_date(died_on: date) -> date:
    """死亡: lost on the day after death (法 §11 第1項 本文: the address ends on the day of death
    and no other address begins)."""
    return residence_loss_date(died_on, to_other_municipality=False)


def exemption_entry_loss_date(entered_on: date) -> date:
    """Entering an 適用除外施設: lost on the day after entering."""
    return entered_on + ONE_DAY


def exemption_exit_gain_date(left_on: date) -> date:
    """Leaving an 適用除外施設 while resident: insured again on the day of leaving."""
    return left_on


def premium_months(start: date, end: date | None, fiscal_year: int) -> list[tuple[int, int]]:
    """The (year, month)s of ``fiscal_year`` (April to March) for which a premium is due on a
    period [start, end): from the month containing ``start`` (資格取得日) to the month before the
    month containing ``end`` (資格喪失日); ``end`` None = open. A period that starts and ends in
    the same month gives no month (取得月 <= 対象月 < 喪失月, DOMAIN 2.6)."""
    months = [(fiscal_year, m) for m in range(4, 13)] + [(fiscal_year + 1, m) for m in range(1, 4)]
    first = (start.year, start.month)
    stop = None if end is None else (end.year, end.month)
    return [ym for ym in months if ym >= first and (stop is None or ym < stop)]


# --- facts and periods ------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidenceSpell:
    """One stretch of having an address in the city (住基)."""

    start: date | None  # move-in date (転入日) or None = since birth / before records
    end: date | None  # the day the address here ends (転出日, day of death, 職権消除) or None
    start_is_move_in: bool = True
    # The spell ended by a 転出 to another municipality in Japan, with an address there from the
    # same day: qualification is lost on ``end`` itself, not the day after (法 §11 ただし書).
    # False: abroad, death, ex-officio removal, or a destination not known (法 §11 本文).
    to_other_municipality: bool = False


@dataclass(frozen=True)
class Stay:
    """A stay in a facility: exemption facility (適用除外) or special-address (住所地特例)."""

    start: date
    end: date | None  # the day of leaving (退所日), None while staying


@dataclass(frozen=True)
class PersonFacts:
    birth_date: date
    residence: tuple[ResidenceSpell, ...]  # chronological
    died_on: date | None = None
    exemption_stays: tuple[Stay, ...] = ()  # in an 適用除外施設 (while resident): not insured
    self_special: tuple[Stay, ...] = ()  # our insured in a 住所地特例対象施設 elsewhere: stays ours
    other_special: tuple[Stay, ...] = ()  # living here, another municipality's 住所地特例者: not ours
    second_class_from: date | None = None  # 第2号 record created on application (aged 40-64)


@dataclass(frozen=True)
class Period:
    insured_class: str  # InsuredClass value
    start: date  # 資格取得日 (or class-change day)
    end: date | None  # exclusive: 資格喪失日 (or the class-change day); None = open
    gain_reason: str  # GainReason, or ChangeReason.FIRST_CLASS_REACHED
    loss_reason: str | None  # LossReason, ChangeReason.FIRST_CLASS_REACHED, None while open


# Internally days are ordinals and open ends are infinities, so that "the day after" never
# overflows and comparisons need no None checks.
_NEG = -(10**9)
_POS = 10**9


def _day(d: date | None, *, missing: int) -> int:
    return missing if d is None else d.toordinal()


@dataclass
class _Block:
    """A stretch of days the person belongs to the city by location: residence, extended by
    self-special stays. [start, end) in ordinals: ``end`` is the loss day (法 §11)."""

    start: int
    end: int
    gain: str | None  # reason when the block starts (MOVE_IN or OTHER); None when open
    loss: str  # reason when the block ends (MOVE_OUT or SELF_SPECIAL_ENDED)
    # the day after the last day with an address here (or in the facility): a self-special stay
    # starting up to this day extends the block (moving out into the facility). Equals ``end``
    # except after a move to another municipality, whose loss day is the move-out day itself.
    reach: int = 0


def _merge_into(blocks: list[_Block], block: _Block) -> None:
    """Add ``block`` to ``blocks`` (sorted, disjoint, not adjacent), merging touching blocks.
    On equal ends the residence (MOVE_OUT) gives the loss reason."""
    blocks.append(block)
    blocks.sort(key=lambda b: b.start)
    merged: list[_Block] = []
    for b in blocks:
        last = merged[-1] if merged else None
        if last is not None and b.start <= last.end:
            if b.end > last.end:
                last.end, last.loss = b.end, b.loss
            elif b.end == last.end and b.loss == LossReason.MOVE_OUT:
                last.loss = LossReason.MOVE_OUT
            last.reach = max(last.reach, b.reach)
        else:
            merged.append(_Block(b.start, b.end, b.gain, b.loss, max(b.reach, b.end)))
    blocks[:] = merged


def _coverage(residence: tuple[ResidenceSpell, ...], self_special: tuple[Stay, ...]) -> list[_Block]:
    blocks: list[_Block] = []
    for spell in residence:
        gain = GainReason.MOVE_IN if spell.start_is_move_in else GainReason.OTHER
        start = _day(spell.start, missing=_NEG)
        after_last = _day(spell.end, missing=_POS - 1) + 1
        # 法 §11: lost on the day after the address ends, or on that day itself when the person
        # has an address in another municipality from it (ResidenceSpell.to_other_municipality)
        end = after_last - 1 if spell.end is not None and spell.to_other_municipality else after_last
        if end <= start:  # moved in and on to another municipality the same day: never insured here
            continue
        _merge_into(blocks, _Block(start, end, None if spell.start is None else gain, LossReason.MOVE_OUT,
                                   after_last))
    # A self-special stay extends the block it starts in (or the day after the last day with the
    # address: moving out into the facility); one that starts outside every block is not ours and
    # is ignored. Repeat until stable so that chains of facilities keep the first insurer.
    pending = sorted(self_special, key=lambda s: s.start)
    changed = True
    while changed and pending:
        changed = False
        for stay in list(pending):
            start, end = stay.start.toordinal(), _day(stay.end, missing=_POS - 1) + 1
            block = next((b for b in blocks if b.start <= start <= b.reach), None)
            if block is None:
                continue
            pending.remove(stay)
            changed = True
            if end > block.end:
                _merge_into(blocks, _Block(block.start, end, block.gain, LossReason.SELF_SPECIAL_ENDED, end))
    return blocks


def _known_on(facts: PersonFacts, until: date) -> PersonFacts:
    """The facts as known on ``until``: events dated after it are dropped (a later end = open)."""

    def cut(d: date | None) -> date | None:
        return None if d is None or d > until else d

    def stays(items: tuple[Stay, ...]) -> tuple[Stay, ...]:
        return tuple(Stay(s.start, cut(s.end)) for s in items if s.start <= until)

    return PersonFacts(
        birth_date=facts.birth_date,
        residence=tuple(ResidenceSpell(s.start, cut(s.end), s.start_is_move_in,
                                       s.to_other_municipality and cut(s.end) is not None)
                        for s in facts.residence if s.start is None or s.start <= until),
        died_on=cut(facts.died_on),
        exemption_stays=stays(facts.exemption_stays),
        self_special=stays(facts.self_special),
        other_special=stays(facts.other_special),
        second_class_from=cut(facts.second_class_from),
    )


def _validate(facts: PersonFacts) -> None:
    # Messages name the kind of fact only, never a date (personal data stays out of errors).
    for spell in facts.residence:
        if spell.start is not None and spell.end is not None and spell.end < spell.start:
            raise ValueError("a residence spell ends before it starts")
    for stay in facts.exemption_stays + facts.self_special + facts.other_special:
        if stay.end is not None and stay.end < stay.start:
            raise ValueError("a facility stay ends before it starts")


def derive_periods(facts: PersonFacts, *, until: date) -> list[Period]:
    """Every qualification period the facts imply, as known on ``until``: events dated after
    ``until`` are ignored, so every period starts on or before ``until`` and an end may be at most
    the day after it. Sorted, never overlapping; a 第2号 period turning 第1号 is two periods that
    touch, joined by ChangeReason.FIRST_CLASS_REACHED. No period starts before INSURANCE_START
    (介護保険法 附則第1条): facts before it only decide who was insured on that day."""
    _validate(facts)
    facts = _known_on(facts, until)
    limit = until.toordinal()

    blocks = _coverage(facts.residence, facts.self_special)
    died = _day(facts.died_on, missing=_POS)
    first_class = first_class_gain_date(facts.birth_date).toordinal()
    if first_class > limit:
        first_class = _POS
    second_class = _POS
    if facts.second_class_from is not None:
        second_class = max(facts.second_class_from, second_class_age_date(facts.birth_date)).toordinal()
        if second_class > limit:
            second_class = _POS

    def covered(day: int) -> bool:
        return any(b.start <= day < b.end for b in blocks)

    def exclusion_end(stay: Stay) -> int:
        # Leaving a facility gives a gain on the day of leaving only if the person stays: alive
        # and still with an address here the day after. Otherwise the exclusion runs one more
        # day and the move-out or death ends everything (no one-day period).
        end = _day(stay.end, missing=_POS)
        if end != _POS and (not covered(end + 1) or died <= end):
            return end + 1
        return end

    exemptions = [(s.start.toordinal(), exclusion_end(s)) for s in facts.exemption_stays]
    others = [(s.start.toordinal(), exclusion_end(s)) for s in facts.other_special]

    law_start = INSURANCE_START.toordinal()

    def status(day: int, previous: str | None) -> str | None:
        if day < law_start or day > died or not covered(day):
            return None
        if any(start <= day < end for start, end in others):
            return None
        for start, end in exemptions:
            # insured on the day of entering if insured the day before (lost the day after entering)
            if start + 1 <= day < end or (day == start < end and previous is None):
                return None
        if day >= first_class:
            return InsuredClass.FIRST
        if day >= second_class:
            return InsuredClass.SECOND
        return None

    def gain_reason(day: int, insured_class: str) -> str:
        # The 第2号 record exists because of the application: its date names the reason even on a
        # move-in day (and keeps the fact recoverable from the stored periods).
        if insured_class == InsuredClass.SECOND and day == second_class:
            return GainReason.SECOND_CLASS_APPLICATION
        for block in blocks:
            if block.start == day:
                return block.gain or GainReason.OTHER
        if any(end == day for _, end in exemptions):
            return GainReason.EXEMPTION_ENDED
        if any(end == day for _, end in others):
            return GainReason.OTHER_SPECIAL_ENDED
        if insured_class == InsuredClass.FIRST and day == first_class:
            return GainReason.AGE_65
        return GainReason.OTHER  # the law's first day (INSURANCE_START); not reached otherwise

    def loss_reason(day: int) -> str:
        if died != _POS and day == died + 1:
            return LossReason.DEATH
        for block in blocks:
            if block.end == day:
                return block.loss
        if any(start + 1 == day for start, _ in exemptions):
            return LossReason.EXEMPTION
        if any(start == day for start, _ in others):
            return LossReason.OTHER_SPECIAL
        return LossReason.OTHER  # not reached with consistent facts

    points = {first_class, second_class, died + 1, law_start}
    for block in blocks:
        points.update((block.start, block.end))
    for start, end in exemptions:
        points.update((start, start + 1, end))
    for start, end in others:
        points.update((start, end))
    points = sorted(p for p in points if _NEG < p < _POS)

    periods: list[Period] = []
    previous: str | None = None  # before the first point: before birth, never insured
    opened: tuple[str, int, str] | None = None  # (class, start, gain reason)
    for day in points:
        current = status(day, previous)
        if current == previous:
            continue
        if opened is not None:
            cls, start, gain = opened
            loss = ChangeReason.FIRST_CLASS_REACHED if current is not None else loss_reason(day)
            periods.append(Period(cls, date.fromordinal(start), date.fromordinal(day), gain, loss))
            opened = None
        if current is not None:
            gain = ChangeReason.FIRST_CLASS_REACHED if previous is not None else gain_reason(day, current)
            opened = (current, day, gain)
        previous = current
    if opened is not None:
        cls, start, gain = opened
        periods.append(Period(cls, date.fromordinal(start), None, gain, None))
    return [p for p in periods if p.start.toordinal() <= limit]


# --- notifications by hand (届出) -------------------------------------------------------------------
#
# A clerk records a fact the resident registry does not carry: an application for certification by
# a person aged 40-64 (the 第2号 record), entering or leaving an exemption facility (適用除外), the
# start or end of a special-address stay (住所地特例). ``notification_check`` is the rule (Japanese
# messages, never a value of the input); eligibility.qualification.services.notification_register
# records it.

# A notification may be dated ahead (a planned admission) by at most this many days.
FUTURE_LIMIT_DAYS = 14


class NotificationKind(models.TextChoices):
    SECOND_CLASS = "second_class", "第2号被保険者の資格取得（要介護認定の申請に伴う）"
    EXEMPTION_IN = "exemption_in", "適用除外施設への入所"
    EXEMPTION_OUT = "exemption_out", "適用除外施設からの退所"
    SELF_SPECIAL_START = "self_special_start", "住所地特例の適用（本市の被保険者が他市町村の施設に入所）"
    SELF_SPECIAL_END = "self_special_end", "住所地特例の終了（本市の被保険者）"
    OTHER_SPECIAL_START = "other_special_start", "住所地特例の適用（他市町村の被保険者が市内の施設に入所）"
    OTHER_SPECIAL_END = "other_special_end", "住所地特例の終了（他市町村の被保険者）"


@dataclass(frozen=True)
class StayRule:
    """What a stay notification does: the stay kind it starts or ends, and for a start, the kind
    of facility it needs and whether that facility must be in this city (True) or elsewhere."""

    stay_kind: str
    starts: bool
    facility_kind: str | None = None
    facility_in_city: bool | None = None


STAY_RULES: dict[str, StayRule] = {
    NotificationKind.EXEMPTION_IN: StayRule(StayKind.EXEMPTION, True, FacilityKind.EXEMPTION, None),
    NotificationKind.EXEMPTION_OUT: StayRule(StayKind.EXEMPTION, False),
    NotificationKind.SELF_SPECIAL_START: StayRule(StayKind.SELF_SPECIAL, True, FacilityKind.SPECIAL, False),
    NotificationKind.SELF_SPECIAL_END: StayRule(StayKind.SELF_SPECIAL, False),
    NotificationKind.OTHER_SPECIAL_START: StayRule(StayKind.OTHER_SPECIAL, True, FacilityKind.SPECIAL, True),
    NotificationKind.OTHER_SPECIAL_END: StayRule(StayKind.OTHER_SPECIAL, False),
}
STAY_LABELS = dict(StayKind.choices)
FACILITY_KIND_LABELS = dict(FacilityKind.choices)

# The date's name on the form and in messages, per kind.
DATE_LABELS: dict[str, str] = {
    NotificationKind.SECOND_CLASS: "申請日",
    NotificationKind.EXEMPTION_IN: "入所日",
    NotificationKind.EXEMPTION_OUT: "退所日",
    NotificationKind.SELF_SPECIAL_START: "適用開始日（入所日）",
    NotificationKind.SELF_SPECIAL_END: "適用終了日（退所日）",
    NotificationKind.OTHER_SPECIAL_START: "適用開始日（入所日）",
    NotificationKind.OTHER_SPECIAL_END: "適用終了日（退所日）",
}


@dataclass(frozen=True)
class Notification:
    kind: str  # NotificationKind
    on: date  # the date of the event (application, admission, leaving, start or end of the rule)
    facility_code: str = ""


@dataclass(frozen=True)
class StayFact:
    """A stored stay, as the rule sees it (FacilityStay without the database)."""

    id: int
    kind: str
    start: date
    end: date | None  # the day of leaving, None while staying


@dataclass(frozen=True)
class FacilityFact:
    kind: str
    municipality: str
    opened_on: date | None = None  # 開設日 (None: before the master's records)
    closed_on: date | None = None  # 廃止日: the first day it takes no one in


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Stays as [start, end) with end the day of leaving: a transfer on the day of leaving
    (one ends on D, the next starts on D) does not overlap."""
    return a_start < (b_end or date.max) and b_start < (a_end or date.max)


def notification_check(n: Notification, *, today: date, birth_date: date, died_on: date | None,
                       facility: FacilityFact | None, stays: Sequence[StayFact],
                       second_class_from: date | None = None) -> list[str]:
    """Everything wrong with a notification, as messages for the clerk (empty: acceptable).
    Messages name the field and the rule, never the value entered or stored."""
    problems: list[str] = []
    label = DATE_LABELS.get(n.kind, "日付")
    if n.kind not in NotificationKind.values:
        return ["届出の種類を選んでください。"]
    if n.on > today + timedelta(days=FUTURE_LIMIT_DAYS):
        problems.append(f"{label}は本日から{FUTURE_LIMIT_DAYS}日後までの日付を入力してください。")
    if n.on < birth_date:
        problems.append(f"{label}が生年月日より前です。")
    if died_on is not None and n.on > died_on:
        problems.append(f"{label}が死亡日より後です。")
    if n.kind == NotificationKind.SECOND_CLASS:
        if not age_reached_on(birth_date, 40) <= n.on < age_reached_on(birth_date, 65):
            problems.append("第2号被保険者は40歳以上65歳未満の方です。申請日の年齢が対象外です。")
        if second_class_from is not None and n.on >= second_class_from:
            problems.append("第2号被保険者の資格取得（申請）は既に記録されています。")
        return problems
    rule = STAY_RULES[n.kind]
    if rule.starts:
        if facility is None:
            problems.append("施設を選んでください。")
        else:
            if (facility.opened_on is not None and n.on < facility.opened_on) or \
                    (facility.closed_on is not None and n.on >= facility.closed_on):
                problems.append(f"選んだ施設は{label}に開設されていません（施設マスタの開設日・廃止日）。")
            if facility.kind != rule.facility_kind:
                problems.append(f"選んだ施設は{FACILITY_KIND_LABELS[rule.facility_kind]}ではありません。")
            elif rule.facility_in_city is True and facility.municipality not in OWN_MUNICIPALITY_CODES:
                problems.append("他市町村の被保険者の住所地特例では、市内の施設を選んでください。")
            elif rule.facility_in_city is False and facility.municipality in OWN_MUNICIPALITY_CODES:
                problems.append("本市の被保険者の住所地特例では、他市町村の施設を選んでください。")
        if any(_overlaps(n.on, None, s.start, s.end) for s in stays):
            problems.append("既に登録されている施設入所（適用除外・住所地特例）の期間と重なります。")
    else:
        open_stays = [s for s in stays if s.kind == rule.stay_kind and s.end is None]
        if not open_stays:
            problems.append(f"終了する{STAY_LABELS[rule.stay_kind]}の記録がありません。")
        elif n.on < open_stays[-1].start:
            problems.append(f"{label}が開始日（入所日）より前です。")
    return problems


# --- the facility master (施設マスタ) -----------------------------------------------------------


@dataclass(frozen=True)
class FacilityInput:
    """A facility as a clerk enters it (create or edit)."""

    code: str
    name: str
    category: str  # FacilityCategory
    municipality: str  # 全国地方公共団体コード, 6 digits with the check digit
    address: str = ""
    office_number: str = ""  # 介護保険事業所番号, 10 digits
    opened_on: date | None = None


FACILITY_CODE = re.compile(r"[A-Z0-9]{1,10}")
# 10 characters: the prefecture (2 digits), then a digit or a capital letter (介護医療院's numbers
# carry "B" there), then 7 digits [K]
OFFICE_NUMBER = re.compile(r"[0-9]{2}[0-9A-Z][0-9]{7}")
FACILITY_NAME_MAX = 100
FACILITY_ADDRESS_MAX = 200


def facility_kind(category: str) -> str:
    """The kind (適用除外施設, 住所地特例対象施設, その他) a category belongs to (法 §13 第1項;
    施行法 §11, 施行規則 §170): see eligibility.codes.FacilityCategory."""
    return FACILITY_CATEGORY_KIND[category]


def facility_check(f: FacilityInput) -> dict[str, str]:
    """Everything wrong with a facility as entered: field name -> a message for the clerk (empty:
    acceptable). Messages name the field and the rule, never the value entered.

    - 施設コード: the code the registry's address lines carry (upper-case letters and digits, at
      most 10);
    - 所在市町村コード: 6 digits whose last is the check digit of 全国地方公共団体コード (総務省
      「全国地方公共団体コード」: weights 6,5,4,3,2, modulus 11);
    - 介護保険事業所番号: 10 characters (digits; the third may be a capital letter, as 介護医療院's
      "B") whose first two are the prefecture (都道府県番号) of the
      facility's municipality (the prefecture designates: 法 §86, §94, §107, §70); required for the
      介護保険施設 (法 §8 第25項), which cannot operate without one."""
    from eligibility.codes import municipality_check_digit

    problems: dict[str, str] = {}
    if not FACILITY_CODE.fullmatch(f.code or ""):
        problems["code"] = "施設コードは英大文字と数字で10文字以内で入力してください。"
    if not (f.name or "").strip():
        problems["name"] = "施設名を入力してください。"
    elif len(f.name) > FACILITY_NAME_MAX:
        problems["name"] = f"施設名は{FACILITY_NAME_MAX}文字以内で入力してください。"
    if f.category not in FacilityCategory.values:
        problems["category"] = "施設種別を選んでください。"
    municipality_ok = bool(re.fullmatch(r"[0-9]{6}", f.municipality or "")) and \
        municipality_check_digit(f.municipality[:5]) == int(f.municipality[5])
    if not municipality_ok:
        problems["municipality"] = "所在市町村コードは検査数字を含む6桁の全国地方公共団体コードで入力してください。"
    if len(f.address or "") > FACILITY_ADDRESS_MAX:
        problems["address"] = f"所在地は{FACILITY_ADDRESS_MAX}文字以内で入力してください。"
    if f.office_number:
        if not OFFICE_NUMBER.fullmatch(f.office_number):
            problems["office_number"] = "介護保険事業所番号は10桁（3桁目のみ英大文字も可）で入力してください。"
        elif municipality_ok and f.office_number[:2] != f.municipality[:2]:
            problems["office_number"] = "介護保険事業所番号の先頭2桁（都道府県番号）が所在市町村の都道府県と一致しません。"
    elif f.category in OFFICE_NUMBER_REQUIRED:
        problems["office_number"] = "介護保険施設は介護保険事業所番号を入力してください。"
    return problems


def facility_close_check(*, closed_on: date, opened_on: date | None, today: date, last_stay_start: date | None,
                         open_stays: int) -> list[str]:
    """Everything wrong with closing a facility on ``closed_on`` (廃止日: the first day it takes no
    one in). No one may still be staying (their 退所 is registered first: a stay's end is a fact of
    the person, which closing the facility does not decide), no stay may start on or after it, and
    the day lies after the opening and at most ``FUTURE_LIMIT_DAYS`` ahead."""
    problems = []
    if opened_on is not None and closed_on <= opened_on:
        problems.append("廃止日は開設日より後の日付を入力してください。")
    if closed_on > today + timedelta(days=FUTURE_LIMIT_DAYS):
        problems.append(f"廃止日は本日から{FUTURE_LIMIT_DAYS}日後までの日付を入力してください。")
    if open_stays:
        problems.append(f"この施設に入所中の方が{open_stays}人います。先に退所（適用終了）の届出を登録してください。")
    if last_stay_start is not None and closed_on <= last_stay_start:
        problems.append("廃止日より後に入所した記録があります。廃止日を確認してください。")
    return problems
