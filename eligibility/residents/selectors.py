"""Reads of residents. Every read of personal data goes through here and writes one
access-log row (audit.services.access_log_write) with every person it shows.

Public (other apps import this module, never eligibility's models): the person search and
overview, the person header of every person tab (``person_header``: ward scope, access-log
function, insured number, household protection, in one query), ``protected_ids``,
``residents_by_id``, ``log_function``, the bulk reads of the simulators, and the ward scope
(eligibility/residents/scope.py, re-exported below).

The row's function names the screen and flags what a supervisor's review looks for
(docs/subsystems/persons.md, "Access-log flags"): ``person.search`` / ``person.view``, followed by
``.sensitive`` when a person shown is under a support measure (支援措置) or shares a household
with one, ``.outside_ward`` when a person shown lives outside the staff member's ward;
``person.view.denied`` when the ward scope refused an overview.

Sensitive persons: their address, phone and the measure's reason reach only staff for whom
``scope.sensitive_visible`` holds; for anyone else they are never decrypted, and the screens
show ``scope.SENSITIVE_HIDDEN`` instead. Household members share the address, so a household
with a protected member is protected as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from audit.services import access_log_batch, access_log_write
from eligibility.codes import ChangeReason, GainReason, InsuredClass, LossReason, ResidenceStatus, Sex, StayKind, Ward
from eligibility.qualification.models import Facility, FacilityStay, QualificationPeriod
from eligibility.qualification.rules import age_on
from eligibility.residents import scope
from eligibility.residents.models import InsuredNumber, Resident
from eligibility.residents.rules import insured_number_validate, my_number_validate
from eligibility.residents.scope import (  # noqa: F401  (the ward scope: part of this module's public API)
    ALL_WARDS,
    SENSITIVE_HIDDEN,
    UPDATE_NOT_PERMITTED,
    UPDATE_OUTSIDE_WARD,
    VIEW_OUTSIDE_WARD,
    home_wards,
    in_home_ward,
    person_update_allowed,
    person_view_allowed,
    require_person_update,
    sensitive_visible,
    viewable_wards,
)
from kaigo.crypto.blind_index import (
    kana_name_index,
    kana_surname_birth_index,
    my_number_index,
    normalise_kana,
)
from kaigo.crypto.deks import dek_preload, dek_remember_unwrapped
from kaigo.crypto.models import PersonKey
from kaigo.db import fetch_sets
from kaigo.errors import ApplicationError, NotPermitted
from kaigo.shell.sections import OverviewSection, PersonTab, person_tabs
from kaigo.staff.roles import has_permission

# Raised by every read of one resident when there is none with that number.
ResidentNotFound = Resident.DoesNotExist

SEARCH_LIMIT = 50  # rows shown; a clerk narrows a common name with the birth date
CANDIDATE_LIMIT = 5_000  # beyond this a name is too common to list: the clerk adds the birth date
CONFIRM_BATCH = 150  # candidates read and confirmed per query (and one key query, for keys not cached)


class SearchInvalid(ApplicationError):
    code = "search_invalid"


@dataclass(frozen=True)
class SearchCriteria:
    insured_number: str = ""
    my_number: str = ""
    kana_name: str = ""
    kana_surname: str = ""
    birth_date: date | None = None

    @property
    def kind(self) -> str:
        """The kind of search, for the access log (never the values)."""
        if self.insured_number:
            return "insured_number"
        if self.my_number:
            return "my_number"
        if self.kana_surname and self.birth_date:
            return "kana_surname,birth_date"
        return "kana_name"


@dataclass(frozen=True, slots=True)
class SearchRow:
    """One row of the result list, ready to show: labels and pre-formatted dates, and the
    plaintext of the shown columns only (nothing else of the person is decrypted)."""

    pk: int
    name_kanji: str
    name_kana: str
    sex: str
    birth_date: str
    ward: str  # the ward's name, or WARD_HIDDEN
    address: str  # or scope.SENSITIVE_HIDDEN
    status: str
    notice: str  # 支援措置対象 / 支援措置対象者の世帯 / ""


@dataclass
class SearchResult:
    rows: list[SearchRow]
    truncated: bool


SEX_LABELS = dict(Sex.choices)
WARD_LABELS = dict(Ward.choices)
STATUS_LABELS = dict(ResidenceStatus.choices)
WARD_HIDDEN = "非表示"
NOTICE_SENSITIVE = "支援措置対象"
NOTICE_HOUSEHOLD = "支援措置対象者の世帯"


class _Candidate(NamedTuple):
    """A candidate as the search reads it: clear columns, whether a member of the household is
    protected, and ciphertexts (only those compared or shown are decrypted)."""

    id: int
    birth_date: date
    sex: str
    ward: str
    status: str
    sensitive: bool
    household_sensitive: bool
    name_kana_ct: bytes
    name_kanji_ct: bytes
    address_ct: bytes
    my_number_ct: bytes | None
    kek_version: str | None  # the person's wrapped data key, read with the row
    wrapped_dek: bytes | None
    dek_gen: int | None


# Each resident row with its person's wrapped data key (alias ``k``), for raw queries on alias ``r``:
# the key is unwrapped from the same row (dek_remember_unwrapped), without a query of its own.
_KEY_COLUMNS = "k.kek_version, k.wrapped_dek, k.dek_gen"
_KEY_JOIN = f'LEFT JOIN "{PersonKey._meta.db_table}" k ON k.person_id = r.id AND k.wrapped_dek IS NOT NULL'

# Whether a member of the resident ``r``'s household is under a support measure (支援措置): the
# household shares the address, so it is protected as a whole. For raw queries on alias ``r``.
_HOUSEHOLD_PROTECTED_SQL = (f'EXISTS (SELECT 1 FROM "{Resident._meta.db_table}" h'
                           " WHERE h.household_id = r.household_id AND h.sensitive)")


def _candidate_sql(index_column: str, *, by_ward: bool) -> str:
    """One batch of candidates, in id order after a given id, each with its wrapped data key (no
    second query for the keys a worker has not cached: on a city of a million residents most are
    not). Raw SQL: this is the busiest query of the screens, and the ORM took longer to compile it
    (with its EXISTS) than PostgreSQL to run it.
    ``index_column`` is a blind-index column, or "insured_number" (an exact, unique number)."""
    table = Resident._meta.db_table
    match = (f'r.id = (SELECT n.resident_id FROM "{InsuredNumber._meta.db_table}" n WHERE n.number = %(index)s)'
             if index_column == "insured_number" else f'r."{index_column}" = %(index)s')
    return (
        f'SELECT r.id, r.birth_date, r.sex, r.ward, r.status, r.sensitive,'
        f" {_HOUSEHOLD_PROTECTED_SQL},"
        f' r.name_kana_ct, r.name_kanji_ct, r.address_ct, CASE WHEN %(number)s THEN r.my_number_ct END,'
        f' {_KEY_COLUMNS} FROM "{table}" r {_KEY_JOIN} WHERE {match}'
        + (" AND r.ward = ANY(%(wards)s)" if by_ward else "")
        + " AND r.id > %(after)s ORDER BY r.id LIMIT %(limit)s"
    )


def _matcher(criteria: SearchCriteria):
    """The test that confirms a candidate (blind indexes are truncated: candidates are confirmed
    by comparing decrypted values): ``(decrypted value, birth date) -> bool``, with the criteria
    normalised once per search, not once per candidate."""
    if criteria.insured_number:
        return lambda value, birth_date: value is not None  # an exact number: nothing to confirm
    if criteria.my_number:
        number = my_number_validate(criteria.my_number)
        return lambda value, birth_date: value == number
    if criteria.kana_surname:
        surname, born = normalise_kana(criteria.kana_surname), criteria.birth_date

        def same_surname(value, birth_date) -> bool:
            parts = value.split() if value is not None else ()
            return birth_date == born and bool(parts) and normalise_kana(parts[0]) == surname
        return same_surname
    name = normalise_kana(criteria.kana_name)
    # stored names are already folded (full-width katakana, one space): most compare as they are

    def same_name(value, birth_date) -> bool:
        return value is not None and (value.replace(" ", "") == name or normalise_kana(value) == name)
    return same_name


def resident_search(*, actor, request, criteria: SearchCriteria) -> SearchResult:
    if criteria.insured_number:
        try:
            index = ("insured_number", insured_number_validate(criteria.insured_number))
        except ValueError as exc:
            raise SearchInvalid(str(exc)) from None
    elif criteria.my_number:
        if not has_permission(actor, "my_number.view"):
            raise NotPermitted("個人番号による検索は、個人番号利用事務の担当者のみ行えます。")
        try:
            index = ("my_number_bidx", my_number_index(my_number_validate(criteria.my_number)))
        except ValueError as exc:
            raise SearchInvalid(str(exc)) from None
    elif criteria.kana_surname and criteria.birth_date:
        index = ("kana_surname_birth_bidx", kana_surname_birth_index(criteria.kana_surname, criteria.birth_date))
    elif criteria.kana_name and normalise_kana(criteria.kana_name):
        index = ("kana_name_bidx", kana_name_index(criteria.kana_name))
    else:
        raise SearchInvalid("検索条件を入力してください（カナ氏名、またはカナ姓と生年月日）。")
    wards = scope.viewable_wards(actor)
    by_ward = wards != scope.ALL_WARDS  # the office limits views to its own ward's residents
    sql = _candidate_sql(index[0], by_ward=by_ward)
    params = {"number": bool(criteria.my_number), "index": index[1], "wards": sorted(wards), "limit": CONFIRM_BATCH}
    compared = _field("my_number" if criteria.my_number else "name_kana")
    matches = _matcher(criteria)
    # Candidates share the truncated index value. They are read in id order, a batch at a time
    # with the columns the list shows (one query for all but the commonest names), confirmed by
    # decrypting only the compared value, and the reading stops once more than a page matched.
    found: list[tuple[tuple, str]] = []  # (candidate row, its decrypted compared value)
    last_id, examined = 0, 0
    while examined < CANDIDATE_LIMIT:
        with connection.cursor() as cursor:
            cursor.execute(sql, {**params, "after": last_id})
            batch = [_Candidate._make(row) for row in cursor.fetchall()]
        if not batch:
            break
        examined += len(batch)
        last_id = batch[-1].id
        for row in batch:
            if row.wrapped_dek is not None:
                dek_remember_unwrapped(row.id, row.kek_version, bytes(row.wrapped_dek), row.dek_gen)
            value = compared.decrypt_raw(person_id=row.id, row_id=row.id, blob=getattr(row, compared.attname))
            if matches(value, row.birth_date):
                found.append((row, value))
        if len(found) > SEARCH_LIMIT or len(batch) < CONFIRM_BATCH:
            break
    truncated = len(found) > SEARCH_LIMIT
    shown = [row for row, _ in found[:SEARCH_LIMIT]]
    kana = [None if criteria.my_number else value for _, value in found[:SEARCH_LIMIT]]
    home = scope.home_wards(actor)
    may_see_sensitive = has_permission(actor, "person.sensitive.view")
    rows = [_search_row(row, name_kana, may_see_sensitive and row.ward in home) for row, name_kana in zip(shown, kana)]
    # One statement, its own transaction (autocommit): the chain's lock is held only for it.
    # hits: the matches found; when more than a page match, the search stopped counting there.
    access_log_write(
        actor=actor, request=request, channel="screen",
        function=log_function("person.search", sensitive=any(row.sensitive or row.household_sensitive for row in shown),
                              outside_ward=any(row.ward not in home for row in shown)),
        person_ids=[r.pk for r in rows], hits=len(found), criteria_kind=criteria.kind,
    )
    return SearchResult(rows, truncated=truncated)


def _field(name: str):
    return Resident._meta.get_field(name)


def _search_row(row, name_kana: str | None, address_visible: bool) -> SearchRow:
    """A candidate as the list shows it. ``name_kana``: already decrypted
    for the comparison (None after a number search). The address (and ward) of a protected person
    is decrypted only if ``address_visible`` (scope.sensitive_visible for this staff member)."""
    pk = row.id
    if name_kana is None:
        name_kana = _field("name_kana").decrypt_raw(person_id=pk, row_id=pk, blob=row.name_kana_ct)
    protected = row.sensitive or row.household_sensitive
    hidden = protected and not address_visible
    return SearchRow(
        pk=pk,
        name_kanji=_field("name_kanji").decrypt_raw(person_id=pk, row_id=pk, blob=row.name_kanji_ct) or "",
        name_kana=name_kana or "",
        sex=SEX_LABELS.get(row.sex, row.sex),
        birth_date=row.birth_date.isoformat(),
        ward=WARD_HIDDEN if hidden else WARD_LABELS.get(row.ward, row.ward),
        address=scope.SENSITIVE_HIDDEN if hidden
        else _field("address").decrypt_raw(person_id=pk, row_id=pk, blob=row.address_ct) or "",
        status=STATUS_LABELS.get(row.status, row.status),
        notice=NOTICE_SENSITIVE if row.sensitive else NOTICE_HOUSEHOLD if protected else "",
    )


CLASS_LABELS = dict(InsuredClass.choices)
GAIN_LABELS = {**dict(GainReason.choices), **dict(ChangeReason.choices)}
LOSS_LABELS = {**dict(LossReason.choices), **dict(ChangeReason.choices)}
STAY_LABELS = dict(StayKind.choices)
SPECIAL_ADDRESS_KINDS = (StayKind.SELF_SPECIAL, StayKind.OTHER_SPECIAL)


@dataclass(frozen=True)
class StayFlag:
    """A facility stay in force (住所地特例 or 適用除外), as the overview shows it."""

    kind: str  # label: 住所地特例（自市町村の被保険者）, 適用除外施設入所, ...
    facility: str  # the facility's name (not personal data), "" when none was recorded
    start: date


@dataclass(frozen=True)
class QualificationFacts:
    """What the counter is asked first about a person's insurance, on ``today``: the insured
    number, the qualification in force (class, since, why), the age, and whether the special
    address rule (住所地特例, 法 §13) or an exemption (適用除外, 法 附則 / 施行法 §11) applies.
    Labels ready, no codes."""

    today: date
    insured_number: str | None
    age: int
    insured_class: str  # "" when not insured on ``today``
    since: date | None  # the current period's 資格取得日 (or the day a change of class took effect)
    reason: str  # the current period's 取得・変更事由
    last_end: date | None = None  # not insured today: the 資格喪失日 of the last period
    last_loss: str = ""  # and its reason
    next_start: date | None = None  # not insured today: a period that begins later
    special_address: tuple[StayFlag, ...] = ()
    exemption: tuple[StayFlag, ...] = ()


@dataclass(frozen=True)
class SectionData:
    """A section of the overview another app registered, with what its selector returned."""

    section: OverviewSection
    data: object


@dataclass
class Overview:
    resident: Resident
    household: list[Resident]
    qualification: QualificationFacts | None = None
    sections: list[SectionData] = field(default_factory=list)

    @property
    def protected(self) -> bool:
        """The person, or a member of their household, is under a support measure (支援措置):
        the household shares the address, so all of it is withheld alike."""
        return any(m.sensitive for m in self.household)


_FACTS_SQL = (
    (f'SELECT number FROM "{InsuredNumber._meta.db_table}" WHERE resident_id = %s'),
    (f'SELECT insured_class, start, "end", gain_reason, loss_reason FROM "{QualificationPeriod._meta.db_table}" '
     "WHERE resident_id = %s AND recorded_to IS NULL ORDER BY start"),
    (f'SELECT s.kind, f.name, s.start FROM "{FacilityStay._meta.db_table}" s '
     f'LEFT JOIN "{Facility._meta.db_table}" f ON f.code = s.facility_id '
     'WHERE s.resident_id = %s AND s.start <= %s AND (s."end" IS NULL OR s."end" > %s) ORDER BY s.start, s.id'),
)


def qualification_facts(resident: Resident, today: date) -> QualificationFacts:
    """The person's insurance facts on ``today`` (QualificationFacts): one round trip. Nothing is
    logged: the caller's access-log row names the person (the overview's ``person.view``)."""
    pk = resident.pk
    numbers, periods, stays = fetch_sets((_FACTS_SQL[0], [pk]), (_FACTS_SQL[1], [pk]), (_FACTS_SQL[2], [pk, today, today]))
    current = next((p for p in periods if p.start <= today and (p.end is None or today < p.end)), None)
    past = [p for p in periods if p.end is not None and p.end <= today]
    future = [p for p in periods if p.start > today]
    flags = [StayFlag(STAY_LABELS.get(s.kind, s.kind), s.name or "", s.start) for s in stays]
    return QualificationFacts(
        today=today, insured_number=numbers[0].number if numbers else None, age=age_on(resident.birth_date, today),
        insured_class=CLASS_LABELS.get(current.insured_class, "") if current else "",
        since=current.start if current else None,
        reason=GAIN_LABELS.get(current.gain_reason, "") if current else "",
        last_end=past[-1].end if past and current is None else None,
        last_loss=LOSS_LABELS.get(past[-1].loss_reason, "") if past and current is None else "",
        next_start=future[0].start if future and current is None else None,
        special_address=tuple(f for f, s in zip(flags, stays) if s.kind in SPECIAL_ADDRESS_KINDS),
        exemption=tuple(f for f, s in zip(flags, stays) if s.kind == StayKind.EXEMPTION),
    )


_RESIDENT_FIELDS = list(Resident._meta.concrete_fields)
_RESIDENT_SELECT = ", ".join(f'r."{f.column}"' for f in _RESIDENT_FIELDS)


def _residents_with_keys(where: str, params: list, *, extra: tuple[str, ...] = (), order: str = "r.id"):
    """Residents matching ``where`` (SQL on alias ``r``), each with its data key unwrapped into
    the cache in the same query, and the values of the ``extra`` SQL expressions: a list of
    (Resident, extras). Raw SQL: for the person screens' few rows the ORM took longer to build the
    query (a key subquery per column) than PostgreSQL takes to run it."""
    sql = (f"SELECT {_RESIDENT_SELECT}, {_KEY_COLUMNS}" + "".join(f", {e}" for e in extra)
           + f' FROM "{Resident._meta.db_table}" r {_KEY_JOIN} WHERE {where} ORDER BY {order}')
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    n, names = len(_RESIDENT_FIELDS), [f.attname for f in _RESIDENT_FIELDS]
    result = []
    for row in rows:
        resident = Resident.from_db(connection.alias, names, row[:n])
        version, wrapped, gen = row[n:n + 3]
        if wrapped is not None:
            dek_remember_unwrapped(resident.pk, version, bytes(wrapped), gen)
        result.append((resident, row[n + 3:]))
    return result


def overview_read(resident_id: int, today: date | None = None) -> Overview:
    """The overview's data, without its access-log row: only for resident_overview (and the
    benchmark that measures what the log costs). With ``today``: the insurance facts of that day
    too (``qualification_facts``)."""
    # One query: the person's household (or the person alone), each row with its wrapped key.
    members = [m for m, _ in _residents_with_keys(
        f'r.id = %s OR r.household_id = (SELECT household_id FROM "{Resident._meta.db_table}" WHERE id = %s)',
        [resident_id, resident_id])]
    resident = next((m for m in members if m.pk == resident_id), None)
    if resident is None:
        raise Resident.DoesNotExist
    return Overview(resident, members, qualification_facts(resident, today) if today is not None else None)


def resident_overview(*, actor, request, resident_id: int, today: date | None = None,
                      sections: Sequence[OverviewSection] = ()) -> Overview:
    """The overview of one resident and their household (and, with ``today``, their insurance
    facts of that day), with the data of the registered ``sections`` (kaigo.shell.sections: each
    section's own selector checks scope and writes its own access-log row, queued with the
    overview's in one access_log_batch: one statement for the page's rows). Raises
    Resident.DoesNotExist, or NotPermitted (after logging the refused access) when the office
    limits views to its ward. The facts are read before the scope check: one round trip fewer for
    every overview allowed, nothing shown for one refused."""
    overview = overview_read(resident_id, today)
    resident, members = overview.resident, overview.household
    if not scope.person_view_allowed(actor, resident):
        access_log_write(actor=actor, request=request, function=log_function(
            "person.view.denied", sensitive=overview.protected), channel="screen", person_ids=[resident.pk])
        raise NotPermitted(scope.VIEW_OUTSIDE_WARD)
    # The overview's row and its sections' rows in one batch: one statement when it closes, before
    # the overview is returned; outside a transaction that statement is the page's one durable
    # commit (the commit is most of what a row costs; audit.md, "One statement for a page's rows").
    with access_log_batch():
        access_log_write(
            actor=actor, request=request, channel="screen", function=overview_function(actor, overview),
            person_ids=[resident.pk, *[m.pk for m in members if m.pk != resident.pk]],
        )
        for section in sections:
            data = section.read(actor=actor, request=request, person=overview, today=today)
            if data is not None:
                overview.sections.append(SectionData(section, data))
    return overview


def overview_function(actor, overview: Overview) -> str:
    """The access log's function code of an overview shown to ``actor``, with its flags."""
    return log_function("person.view", sensitive=overview.protected,
                        outside_ward=not scope.in_home_ward(actor, overview.resident.ward))


def log_function(base: str, *, sensitive: bool = False, outside_ward: bool = False) -> str:
    """The access log's function code with its flags, always in this order
    ("person.view.sensitive.outside_ward")."""
    return base + (".sensitive" if sensitive else "") + (".outside_ward" if outside_ward else "")


# --- the person header of every person tab (qualification, cards, premiums, ...) -----------------


@dataclass
class PersonHeader:
    resident: Resident
    insured_number: str | None
    # under a support measure (支援措置), or sharing a household with someone who is: the
    # household is protected as a whole (docs/subsystems/persons.md)
    protected: bool = False
    # the staff member may see the protected person's address (scope.sensitive_visible)
    sensitive_visible: bool = True
    # the person's tabs this staff member may open (kaigo.shell.sections), for the tabs bar
    tabs: tuple[PersonTab, ...] = ()


def household_protected():
    """Whether a member of the resident's household is under a support measure (支援措置): an
    expression to annotate a Resident queryset with."""
    return Exists(Resident.objects.filter(household_id=OuterRef("household_id"), sensitive=True))


def protected_ids(person_ids: Iterable[int | None]) -> set[int]:
    """Which of these persons are protected (支援措置: themselves or a household member): one query."""
    ids = [pid for pid in person_ids if pid]
    if not ids:
        return set()
    return set(Resident.objects.filter(pk__in=ids).annotate(household_protected=household_protected())
               .filter(Q(sensitive=True) | Q(household_protected=True)).values_list("id", flat=True))


def _person_row(resident_id: int) -> tuple[Resident, str | None, bool]:
    """The resident with their data key unwrapped, their insured number and whether the household
    is protected, in one query."""
    rows = _residents_with_keys("r.id = %s", [resident_id], extra=(
        _HOUSEHOLD_PROTECTED_SQL,
        "(SELECT n.number FROM eligibility_insurednumber n WHERE n.resident_id = r.id)",
    ))
    if not rows:
        raise Resident.DoesNotExist
    resident, (household_protected, number) = rows[0]
    return resident, number, bool(resident.sensitive or household_protected)


def person_header(actor, request, resident_id: int, function: str, channel: str = "screen") -> tuple[PersonHeader, str]:
    """The header of a person's tab (key unwrapped, household protection and insured number in
    one query), and the access-log function code to write for showing them, with its flags
    (``log_function``: ``.sensitive``, ``.outside_ward``): the caller writes that one row with
    what else it shows. When the office restricts views to its own ward and the person lives
    elsewhere: the refusal is logged ("<function>.denied") and NotPermitted. ResidentNotFound
    when there is no such resident."""
    resident, number, protected = _person_row(resident_id)
    if not scope.person_view_allowed(actor, resident):
        access_log_write(actor=actor, request=request, channel=channel, person_ids=[resident_id],
                         function=log_function(f"{function}.denied", sensitive=protected))
        raise NotPermitted(scope.VIEW_OUTSIDE_WARD)
    header = PersonHeader(resident, number, protected=protected,
                          sensitive_visible=not protected or scope.sensitive_visible(actor, resident),
                          tabs=person_tabs(actor))
    return header, log_function(function, sensitive=protected,
                                outside_ward=not scope.in_home_ward(actor, resident.ward))


def residents_by_id(person_ids: Iterable[int]) -> dict[int, Resident]:
    """These residents by number, each with its data key unwrapped in the same query, for a list
    screen of another app that shows their names (one query). The caller writes the list's one
    access-log row naming them."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    return {resident.pk: resident for resident, _ in _residents_with_keys("r.id = ANY(%s)", [ids])}


# --- reads of the whole city (the simulators of linkage; never a screen) -----------------------

_CLEAR_COLUMNS = frozenset({"id", "household_id", "relation", "sex", "birth_date", "ward", "status", "died_on",
                            "moved_out_on"})


def resident_columns(*columns: str, residents_only: bool = False, born_by: date | None = None,
                     in_household: bool = False, order_by: tuple[str, ...] = ("id",),
                     chunk_size: int = 20_000) -> Iterator[tuple]:
    """The clear ``columns`` of every resident (``residents_only``: status resident; ``born_by``:
    born on or before that day; ``in_household``: with a household), in ``order_by``, read a chunk
    at a time. Nothing is decrypted and nothing is logged: for the simulators that write a
    counterpart's file for the whole synthetic city, never for a screen."""
    if not set(columns) <= _CLEAR_COLUMNS:
        raise ValueError("only clear columns of a resident can be read in bulk")
    residents = Resident.objects.all()
    if residents_only:
        residents = residents.filter(status=ResidenceStatus.RESIDENT)
    if born_by is not None:
        residents = residents.filter(birth_date__lte=born_by)
    if in_household:
        residents = residents.filter(household__isnull=False)
    return residents.order_by(*order_by).values_list(*columns).iterator(chunk_size=chunk_size)


def residents_kana_names(*, chunk_size: int) -> list[tuple[int, str, date, str]]:
    """Every resident (status resident), by number: (id, kana name, birth date, sex), the kana
    names decrypted a chunk of data keys at a time. Not logged: for the pension insurers'
    simulator, which writes their file for the whole synthetic city; never for a screen."""
    kana = _field("name_kana")
    rows = (Resident.objects.filter(status=ResidenceStatus.RESIDENT).order_by("id")
            .values_list("id", kana.attname, "birth_date", "sex"))
    out: list[tuple[int, str, date, str]] = []
    chunk: list[tuple] = []

    def flush():
        dek_preload(pk for pk, *_ in chunk)
        for pk, blob, birth_date, sex in chunk:
            out.append((pk, kana.decrypt_raw(person_id=pk, row_id=pk, blob=blob) or "", birth_date, sex))
        chunk.clear()

    for row in rows.iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) == chunk_size:
            flush()
    flush()
    return out


def birth_dates(person_ids: Sequence[int]) -> dict[int, date]:
    """The birth date of each of these residents (a clear column; for matching a file's lines to
    residents, nothing shown, nothing logged)."""
    return dict(Resident.objects.filter(pk__any=list(person_ids)).values_list("pk", "birth_date"))


def birth_dates_and_sexes(person_ids: Sequence[int]) -> dict[int, tuple[date, str]]:
    """(birth date, sex code) of each of these residents: clear columns, nothing decrypted and
    nothing logged here (certification's board materials print an age band and the sex instead of
    the person, and log the print themselves)."""
    return {pk: (born, sex) for pk, born, sex in
            Resident.objects.filter(pk__any=list(person_ids)).values_list("pk", "birth_date", "sex")}


def residents_by_kana_index(indexes: Sequence[int]) -> list[tuple[int, int, date, str]]:
    """(id, kana-name blind index, birth date, sex) of the residents (status resident) whose kana
    name has one of these blind indexes (kaigo.crypto.blind_index.kana_name_index): the candidates
    of a line naming a person by kana name, birth date and sex (a pension insurer's file). Nothing
    decrypted, nothing logged."""
    return list(Resident.objects.filter(kana_name_bidx__any=list(indexes), status=ResidenceStatus.RESIDENT)
                .values_list("pk", "kana_name_bidx", "birth_date", "sex"))


def require_resident_update(actor, resident_id: int, *, permission: str) -> None:
    """NotPermitted (a Japanese message without personal data) unless ``actor`` holds ``permission``
    and the resident lives in the actor's own ward (head office: any ward): the write check of the
    apps above eligibility (premiums.scope, certification.scope), by the resident's number."""
    if not has_permission(actor, permission):
        raise NotPermitted(UPDATE_NOT_PERMITTED)
    wards = home_wards(actor)
    if wards >= ALL_WARDS:
        return
    if not any(ward_residents(ward, [resident_id]) for ward in sorted(wards)):
        raise NotPermitted(UPDATE_OUTSIDE_WARD)


class PersonBasics(NamedTuple):
    ward: str
    birth_date: date
    died_on: date | None
    status: str


def person_basics(resident_id: int) -> PersonBasics:
    """A resident's clear facts another app's service needs to check an application (ward, birth
    date, death, residence status). Nothing decrypted, nothing logged (no screen shows them from
    here). Resident.DoesNotExist for an unknown number."""
    return PersonBasics(*Resident.objects.filter(pk=resident_id)
                        .values_list("ward", "birth_date", "died_on", "status").get())


def ward_residents(ward: str, person_ids: Sequence[int]) -> set[int]:
    """Which of these persons are residents of ``ward`` (a list screen of one ward)."""
    return set(Resident.objects.filter(pk__any=list(person_ids), ward=ward).values_list("pk", flat=True))


def resident_ids_by_insured_number(numbers: Sequence[str]) -> dict[str, int]:
    """The resident of each of these insured numbers (被保険者番号) that the city issued: for matching
    a file's lines to residents (benefits' records from the national federation). Nothing
    decrypted, nothing shown, nothing logged here."""
    if not numbers:
        return {}
    return dict(InsuredNumber.objects.filter(number__any=list(numbers)).values_list("number", "resident_id"))


def insured_numbers_of(person_ids: Sequence[int]) -> dict[int, str]:
    """The insured number of each of these residents that has one (clear column; nothing logged:
    for the simulators and file writers, never for a screen)."""
    if not person_ids:
        return {}
    with connection.cursor() as cursor:  # resident is the primary key (a one-to-one): no __any lookup on it
        cursor.execute(f'SELECT resident_id, number FROM "{InsuredNumber._meta.db_table}" WHERE resident_id = ANY(%s)',
                       [list(person_ids)])
        return dict(cursor.fetchall())
