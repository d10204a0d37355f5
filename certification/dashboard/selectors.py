"""Reads of the deadline dashboard (締切の管理): the open cases by stage and elapsed days, those
reaching the legal 30 days (法 §27 第11項) within the week without a postponement notice, those
past it without one, postponement notices made late, the average days from application to
decision per ward and per month, and the surveys and opinions waiting.

Everything is read from the case table's key dates (certification.cases.models.Case, set by the
service of each stage) in a handful of set-based queries sent in one round trip
(kaigo.db.fetch_sets): the page costs the same with 50 open cases or 5,000.

No names: the lists show case numbers, wards, kinds and dates only (the chief's view). A case
number still leads to a person, so a page that lists cases writes one access-log row naming
their persons (function ``certification.dashboard``).

The waiting surveys per surveying body and opinions per doctor are read from the survey's and
opinion's own tables (certification.survey, certification.opinion) in the same round trip;
``WAITING_BREAKDOWNS`` (``waiting_breakdown_register``) takes any further breakdown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache

from audit.services import access_log_write
from certification.dashboard.rules import BANDS, DUE_SOON_DAYS, Band, due_soon_applied, months_back
from certification.rules.cases import DECISION_DAYS, OPEN_STATES, CaseKind, CaseState
from eligibility.residents.selectors import ALL_WARDS, home_wards
from kaigo.db import fetch_rows, fetch_sets
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Role, has_permission

PERMISSION = "certification.dashboard"
NOT_PERMITTED = "締切の管理を表示する権限がありません。"
# rows of each list on the page: the most urgent first, the total beside it, and the case list (its
# 7-day filter, the same ward) holds all of them: the dashboard is the chief's summary, the case
# list the clerks' work list (50 rows cost a fifth of the page's time and no decision needed them)
LIST_LIMIT = 20
WAIT_LONG_DAYS = 14  # a survey or an opinion requested more than this many days ago is late
# the stages of an open case, in the order of the process (certification.rules.cases.CaseState)
OPEN_ORDER = [s for s in CaseState.values if s in OPEN_STATES]
_OPEN = list(OPEN_ORDER)


def dashboard_wards(actor) -> frozenset[str]:
    """The wards whose cases ``actor`` sees on the dashboard: every ward for the head office and
    the section chief, the own ward for a ward office's clerk. NotPermitted without the permission
    (or with no ward at all)."""
    if not has_permission(actor, PERMISSION):
        raise NotPermitted(NOT_PERMITTED)
    if Role.SECTION_CHIEF in getattr(actor, "active_roles", frozenset()):
        return ALL_WARDS
    wards = home_wards(actor)
    if not wards:
        raise NotPermitted(NOT_PERMITTED)
    return wards


@dataclass(frozen=True)
class StageRow:
    state: str
    label: str
    counts: tuple[int, ...]  # per band of BANDS
    total: int
    postponed: int
    longest: int  # days elapsed of the oldest case in the stage


@dataclass(frozen=True)
class CaseRow:
    """A case on a list: no name, only what the chief needs to act (the case number opens it)."""

    case_id: int
    resident_id: int
    number: str
    ward: str
    kind: str
    state: str
    applied_on: date
    due_on: date
    days_left: int
    postponed_on: date | None = None


@dataclass(frozen=True)
class CaseList:
    rows: list[CaseRow]
    total: int  # all of them (the page shows at most LIST_LIMIT)


@dataclass(frozen=True)
class Average:
    """Cases decided in a ward or a month and their average days from application to decision."""

    key: str | date
    decided: int
    average_days: float | None
    within_30: int  # decided within the legal 30 days


@dataclass(frozen=True)
class Waiting:
    """Surveys requested and not done, opinions requested and not received (open cases)."""

    surveys: int
    surveys_long: int  # requested more than WAIT_LONG_DAYS ago
    survey_oldest: date | None
    opinions: int
    opinions_long: int
    opinion_oldest: date | None


@dataclass(frozen=True)
class Holder:
    """One surveying body or doctor and the requests it has not answered (no applicant's data)."""

    name: str
    waiting: int
    long: int  # waiting more than WAIT_LONG_DAYS
    oldest: date | None


@dataclass(frozen=True)
class WaitingBreakdown:
    title: str  # 調査機関別の調査待ち, 主治医別の意見書待ち
    rows: Callable[[list[str], date], list[Holder]]  # (wards, today) -> holders, most waiting first


# key ("survey", "opinion") -> breakdown; filled by waiting_breakdown_register
WAITING_BREAKDOWNS: dict[str, WaitingBreakdown] = {}


def waiting_breakdown_register(key: str, title: str, rows: Callable[[list[str], date], list[Holder]]) -> None:
    """Add a breakdown of the waiting work to the dashboard (one query each; registered once, at
    import of the module that wires it). ``rows(wards, today)`` reads the open cases of ``wards``
    waiting for the survey (or the opinion) by the body (or doctor) asked, in one set-based query,
    for example for the surveys::

        SELECT b.name, count(*) AS waiting,
               count(*) FILTER (WHERE r.requested_on < %(today)s - 14) AS long, min(r.requested_on) AS oldest
        FROM certification_surveyrequest r JOIN certification_surveybody b ON b.id = r.body_id
        JOIN certification_case c ON c.id = r.case_id
        WHERE c.state = ANY(%(open)s) AND c.ward = ANY(%(wards)s) AND r.done_on IS NULL
        GROUP BY b.name ORDER BY waiting DESC
    """
    WAITING_BREAKDOWNS[key] = WaitingBreakdown(title, rows)


@dataclass
class Dashboard:
    today: date
    wards: list[str]
    bands: tuple[Band, ...]
    stages: list[StageRow]
    due_soon: CaseList
    overdue: CaseList  # past the 30 days, no postponement notice
    late_notices: CaseList  # postponement notices made after the 30 days (the last 12 months)
    by_ward: list[Average]
    by_month: list[Average]
    waiting: Waiting
    breakdowns: list[tuple[str, list[Holder]]] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        return sum(s.total for s in self.stages)

    @property
    def band_totals(self) -> list[int]:
        return [sum(s.counts[i] for s in self.stages) for i in range(len(self.bands))]


# --- the queries ------------------------------------------------------------------------------------

# a band as a range of application days: elapsed = today - applied_on, so elapsed in [low, high]
# is applied_on in [today - high, today - low] (compared as dates: no arithmetic per row)
_BAND_COLUMNS = ",\n  ".join(
    "count(*) FILTER (WHERE applied_on <= %s" + (" AND applied_on >= %s)" if b.high is not None else ")")
    + f" AS {b.key}" for b in BANDS)

# the open cases by stage: bands, postponed, the oldest application, and the surveys and opinions
# waiting (one scan of the open cases' index, certcase_open_dates)
STAGES_SQL = f"""
SELECT state, {_BAND_COLUMNS}, count(*) AS total, count(postponed_on) AS postponed,
  min(applied_on) AS oldest,
  count(*) FILTER (WHERE survey_requested_on IS NOT NULL AND surveyed_on IS NULL) AS surveys,
  count(*) FILTER (WHERE surveyed_on IS NULL AND survey_requested_on < %s) AS surveys_long,
  min(survey_requested_on) FILTER (WHERE surveyed_on IS NULL) AS survey_oldest,
  count(*) FILTER (WHERE opinion_requested_on IS NOT NULL AND opinion_received_on IS NULL) AS opinions,
  count(*) FILTER (WHERE opinion_received_on IS NULL AND opinion_requested_on < %s) AS opinions_long,
  min(opinion_requested_on) FILTER (WHERE opinion_received_on IS NULL) AS opinion_oldest,
  count(*) FILTER (WHERE postponed_on IS NULL AND applied_on BETWEEN %s AND %s) AS due_soon,
  count(*) FILTER (WHERE postponed_on IS NULL AND applied_on < %s) AS overdue
FROM certification_case WHERE state = ANY(%s) AND ward = ANY(%s) GROUP BY state"""

_LIST_COLUMNS = "id AS case_id, resident_id, number, ward, kind, state, applied_on, postponed_on"

# open, no postponement notice, the deadline (applied_on + 30) today or within the week (the total
# is the stage query's: a window count here made PostgreSQL keep every matching row, a thousand
# or more in a large city, to count them; the list itself is a top-N sort of the index's rows)
DUE_SOON_SQL = f"""
SELECT {_LIST_COLUMNS} FROM certification_case
WHERE state = ANY(%s) AND ward = ANY(%s) AND postponed_on IS NULL AND applied_on BETWEEN %s AND %s
ORDER BY applied_on, number LIMIT %s"""

# open, no postponement notice, past the deadline (the total: the stage query's)
OVERDUE_SQL = f"""
SELECT {_LIST_COLUMNS} FROM certification_case
WHERE state = ANY(%s) AND ward = ANY(%s) AND postponed_on IS NULL AND applied_on < %s
ORDER BY applied_on, number LIMIT %s"""

# the notice made after the deadline, in the last 12 months (any state: a decided case's too)
LATE_NOTICES_SQL = f"""
SELECT {_LIST_COLUMNS}, count(*) OVER () AS total FROM certification_case
WHERE ward = ANY(%s) AND postponed_on >= %s AND postponed_on > applied_on + {DECISION_DAYS}
ORDER BY postponed_on DESC, number LIMIT %s"""

# decided cases by ward and month, from the first day given up to the last (a carry-over, 法 §36,
# has no survey or board and is decided at the counter: it is left out so as not to flatter the
# average); read from the index certcase_decided_on alone (migration 0003_dashboard)
MONTHS_SQL = f"""
SELECT ward, date_trunc('month', decided_on)::date AS month, count(*) AS decided,
  sum(decided_on - applied_on) AS days, count(*) FILTER (WHERE decided_on - applied_on <= {DECISION_DAYS}) AS within_30
FROM certification_case
WHERE state = 'decided' AND kind <> '{CaseKind.CARRY_OVER.value}' AND decided_on >= %s AND decided_on <= %s
GROUP BY ward, date_trunc('month', decided_on)"""
# the months before this one change only when a decision is entered with a past date: their sums
# are kept in the cache for an hour, for every ward at once (the page filters them); this month's
# are read with the page
PAST_MONTHS_SECONDS = 3600


@dataclass(frozen=True)
class MonthSum:
    ward: str
    month: date
    decided: int
    days: int
    within_30: int


def _past_months(first: date, this_month: date) -> list[MonthSum]:
    """The sums of the decided cases of every ward, by month, from ``first`` to the day before
    ``this_month`` (from the cache, else one query)."""
    key = f"certification:dashboard:months:{first.isoformat()}:{this_month.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = [MonthSum(r.ward, r.month, r.decided, r.days, r.within_30)
                 for r in fetch_rows(MONTHS_SQL, [first, this_month - timedelta(days=1)])]
        cache.set(key, found, PAST_MONTHS_SECONDS)
    return found


def _averages(sums: Iterable[MonthSum], key) -> dict:
    total: dict = {}
    for m in sums:
        decided, days, within = total.get(key(m), (0, 0, 0))
        total[key(m)] = (decided + m.decided, days + m.days, within + m.within_30)
    return {k: Average(k, n, round(days / n, 1) if n else None, within) for k, (n, days, within) in total.items()}


# surveys requested and not done, by surveying body; opinions requested, not received nor
# cancelled, by doctor (certification/survey, certification/opinion): of the open cases in scope
SURVEYS_BY_BODY_SQL = """
SELECT b.name AS name, count(*) AS waiting, count(*) FILTER (WHERE s.requested_on < %s) AS long,
  min(s.requested_on) AS oldest
FROM certification_survey s JOIN certification_surveybody b ON b.id = s.body_id
JOIN certification_case c ON c.id = s.case_id
WHERE s.surveyed_on IS NULL AND c.state = ANY(%s) AND c.ward = ANY(%s)
GROUP BY b.name ORDER BY waiting DESC, b.name LIMIT %s"""
OPINIONS_BY_DOCTOR_SQL = """
SELECT i.name || '　' || d.name AS name, count(*) AS waiting, count(*) FILTER (WHERE o.requested_on < %s) AS long,
  min(o.requested_on) AS oldest
FROM certification_opinion o JOIN certification_doctor d ON d.id = o.doctor_id
JOIN certification_institution i ON i.id = d.institution_id JOIN certification_case c ON c.id = o.case_id
WHERE o.received_on IS NULL AND o.cancelled_on IS NULL AND c.state = ANY(%s) AND c.ward = ANY(%s)
GROUP BY i.name, d.name ORDER BY waiting DESC, i.name || '　' || d.name LIMIT %s"""


def _case_rows(rows, today: date, total: int | None = None) -> CaseList:
    """The rows of a list and its total (``total``, else the rows' window count)."""
    listed = [CaseRow(r.case_id, r.resident_id, r.number, r.ward, r.kind, r.state, r.applied_on,
                      r.applied_on + timedelta(days=DECISION_DAYS),
                      (r.applied_on + timedelta(days=DECISION_DAYS) - today).days, r.postponed_on) for r in rows]
    return CaseList(listed, total if total is not None else rows[0].total if rows else 0)


def dashboard_read(*, wards: Iterable[str], today: date, limit: int = LIST_LIMIT) -> Dashboard:
    """The dashboard of the open cases of ``wards`` on ``today`` (no access log, no scope: the
    caller's, ``dashboard_view``). One round trip for the case table (and once an hour one for the
    past months' sums), one query per registered breakdown."""
    wards = sorted(set(wards))
    months = months_back(today)
    first, last = due_soon_applied(today, DUE_SOON_DAYS)
    band_params = [p for b in BANDS for p in ([today - timedelta(days=b.low)] + (
        [today - timedelta(days=b.high)] if b.high is not None else []))]
    long_ago = today - timedelta(days=WAIT_LONG_DAYS)
    past = _past_months(months[0], months[-1])
    stages, due, overdue, late, this_month, bodies, doctors = fetch_sets(
        (STAGES_SQL, [*band_params, long_ago, long_ago, first, last, first, _OPEN, wards]),
        (DUE_SOON_SQL, [_OPEN, wards, first, last, limit]),
        (OVERDUE_SQL, [_OPEN, wards, first, limit]),
        (LATE_NOTICES_SQL, [wards, today - timedelta(days=365), limit]),
        (MONTHS_SQL, [months[-1], today]),
        (SURVEYS_BY_BODY_SQL, [long_ago, _OPEN, wards, limit]),
        (OPINIONS_BY_DOCTOR_SQL, [long_ago, _OPEN, wards, limit]),
    )
    labels = dict(CaseState.choices)
    by_state = {r.state: r for r in stages}
    stage_rows = []
    for state in OPEN_ORDER:
        r = by_state.get(state)
        counts = tuple(getattr(r, b.key) for b in BANDS) if r else (0,) * len(BANDS)
        stage_rows.append(StageRow(state, labels[state], counts, r.total if r else 0, r.postponed if r else 0,
                                   (today - r.oldest).days if r else 0))
    in_scope = set(wards)
    sums = [m for m in past if m.ward in in_scope]
    sums += [MonthSum(r.ward, r.month, r.decided, r.days, r.within_30) for r in this_month if r.ward in in_scope]
    ward_avg, month_avg = _averages(sums, lambda m: m.ward), _averages(sums, lambda m: m.month)
    by_ward = [ward_avg.get(w, Average(w, 0, None, 0)) for w in wards]
    by_month = [month_avg.get(m, Average(m, 0, None, 0)) for m in months]

    def oldest(column: str) -> date | None:
        return min((getattr(r, column) for r in stages if getattr(r, column)), default=None)

    return Dashboard(
        today=today, wards=wards, bands=BANDS, stages=stage_rows,
        due_soon=_case_rows(due, today, sum(r.due_soon for r in stages)),
        overdue=_case_rows(overdue, today, sum(r.overdue for r in stages)),
        late_notices=_case_rows(late, today), by_ward=by_ward,
        by_month=by_month,
        waiting=Waiting(sum(r.surveys for r in stages), sum(r.surveys_long for r in stages), oldest("survey_oldest"),
                        sum(r.opinions for r in stages), sum(r.opinions_long for r in stages),
                        oldest("opinion_oldest")),
        breakdowns=[("調査機関別の調査待ち", [Holder(r.name, r.waiting, r.long, r.oldest) for r in bodies]),
                    ("主治医別の意見書待ち", [Holder(r.name, r.waiting, r.long, r.oldest) for r in doctors])]
        + [(b.title, b.rows(wards, today)) for b in WAITING_BREAKDOWNS.values()],
    )


def dashboard_view(*, actor, request, today: date, ward: str | None = None) -> Dashboard:
    """The dashboard for ``actor`` (scope: ``dashboard_wards``; ``ward`` narrows it to one ward of
    that scope, NotPermitted outside it), with one access-log row naming the persons of the cases
    the page lists."""
    wards = dashboard_wards(actor)
    if ward:
        if ward not in wards:
            raise NotPermitted(NOT_PERMITTED)
        wards = frozenset({ward})
    board = dashboard_read(wards=wards, today=today)
    persons = [r.resident_id for lst in (board.due_soon, board.overdue, board.late_notices) for r in lst.rows]
    if persons:
        access_log_write(actor=actor, request=request, function="certification.dashboard", channel="screen",
                         person_ids=persons, hits=len(set(persons)))
    return board
