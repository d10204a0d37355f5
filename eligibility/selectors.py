"""Reads of residents. Every read of personal data goes through here and writes one
access-log row (audit.services.access_log_write) with every person it shows.

The row's function names the screen and flags what a supervisor's review looks for
(docs/subsystems/persons.md, "Access-log flags"): ``person.search`` / ``person.view``, followed by
``.outside_ward`` when a person shown lives outside the staff member's ward;
``person.view.denied`` when the ward scope refused an overview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from audit.services import access_log_write
from django.db.models import Q, Subquery

from eligibility import scope
from eligibility.models import ResidenceStatus, Resident, Sex, Ward
from eligibility.numbers import my_number_validate
from kaigo.crypto.blind_index import (
    kana_name_index,
    kana_surname_birth_index,
    my_number_index,
    normalise_kana,
)
from kaigo.crypto.deks import dek_preload, dek_remember_rows, with_wrapped_keys
from kaigo.errors import ApplicationError, NotPermitted
from kaigo.staff.roles import has_permission

SEARCH_LIMIT = 50  # rows shown; a clerk narrows a common name with the birth date
CANDIDATE_LIMIT = 5_000  # beyond this a name is too common to list: the clerk adds the birth date
CONFIRM_BATCH = 150  # candidates read and confirmed per query (and one key query, for keys not cached)


class SearchInvalid(ApplicationError):
    code = "search_invalid"


@dataclass(frozen=True)
class SearchCriteria:
    my_number: str = ""
    kana_name: str = ""
    kana_surname: str = ""
    birth_date: date | None = None

    @property
    def kind(self) -> str:
        """The kind of search, for the access log (never the values)."""
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
    ward: str
    status: str
    sensitive: bool


@dataclass
class SearchResult:
    rows: list[SearchRow]
    truncated: bool


SEX_LABELS = dict(Sex.choices)
WARD_LABELS = dict(Ward.choices)
STATUS_LABELS = dict(ResidenceStatus.choices)
# Clear columns of a candidate, then the ciphertexts: compared (name_kana or my_number), shown.
_CANDIDATE_COLUMNS = ("id", "birth_date", "sex", "ward", "status", "sensitive")


def _matches(value: str | None, birth_date, criteria: SearchCriteria) -> bool:
    """Blind indexes are truncated: candidates are confirmed by comparing decrypted values."""
    if value is None:
        return False
    if criteria.my_number:
        return value == my_number_validate(criteria.my_number)
    if criteria.kana_surname:
        parts = value.split()
        surname = normalise_kana(parts[0]) if parts else ""
        return surname == normalise_kana(criteria.kana_surname) and birth_date == criteria.birth_date
    return normalise_kana(value) == normalise_kana(criteria.kana_name)


def resident_search(*, actor, request, criteria: SearchCriteria) -> SearchResult:
    if criteria.my_number:
        if not has_permission(actor, "my_number.view"):
            raise NotPermitted("個人番号による検索は、個人番号利用事務の担当者のみ行えます。")
        try:
            queryset = Resident.objects.filter(my_number_bidx=my_number_index(my_number_validate(criteria.my_number)))
        except ValueError as exc:
            raise SearchInvalid(str(exc)) from None
    elif criteria.kana_surname and criteria.birth_date:
        queryset = Resident.objects.filter(
            kana_surname_birth_bidx=kana_surname_birth_index(criteria.kana_surname, criteria.birth_date)
        )
    elif criteria.kana_name and normalise_kana(criteria.kana_name):
        queryset = Resident.objects.filter(kana_name_bidx=kana_name_index(criteria.kana_name))
    else:
        raise SearchInvalid("検索条件を入力してください（カナ氏名、またはカナ姓と生年月日）。")
    wards = scope.viewable_wards(actor)
    if wards != scope.ALL_WARDS:  # the office limits views to its own ward's residents
        queryset = queryset.filter(ward__in=sorted(wards))
    compared = _field("my_number" if criteria.my_number else "name_kana")
    by_kana = not criteria.my_number
    columns = [*_CANDIDATE_COLUMNS, compared.attname, "name_kanji_ct"] + ([] if by_kana else ["name_kana_ct"])
    # Candidates share the truncated index value. They are read in id order, a batch at a time
    # with the columns the list shows (one query for all but the commonest names), confirmed by
    # decrypting only the compared value, and the reading stops once more than a page matched.
    found: list[tuple[tuple, str]] = []  # (candidate row, its decrypted compared value)
    last_id, examined = 0, 0
    while examined < CANDIDATE_LIMIT:
        batch = list(queryset.filter(id__gt=last_id).order_by("id").values_list(*columns)[:CONFIRM_BATCH])
        if not batch:
            break
        examined += len(batch)
        last_id = batch[-1][0]
        dek_preload(row[0] for row in batch)
        for row in batch:
            value = compared.decrypt_raw(person_id=row[0], row_id=row[0], blob=row[6])
            if _matches(value, row[1], criteria):
                found.append((row, value))
        if len(found) > SEARCH_LIMIT or len(batch) < CONFIRM_BATCH:
            break
    truncated = len(found) > SEARCH_LIMIT
    shown = found[:SEARCH_LIMIT]
    rows = [_search_row(row, value if by_kana else None) for row, value in shown]
    home = scope.home_wards(actor)
    # One statement, its own transaction (autocommit): the chain's lock is held only for it.
    # hits: the matches found; when more than a page match, the search stopped counting there.
    access_log_write(
        actor=actor, request=request, channel="screen",
        function=log_function("person.search", outside_ward=any(row[3] not in home for row, _ in shown)),
        person_ids=[r.pk for r in rows], hits=len(found), criteria_kind=criteria.kind,
    )
    return SearchResult(rows, truncated=truncated)


def _field(name: str):
    return Resident._meta.get_field(name)


def _search_row(row: tuple, name_kana: str | None) -> SearchRow:
    """A candidate (``_CANDIDATE_COLUMNS``, compared value, kanji name[, kana name]) as the list
    shows it. ``name_kana``: already decrypted for the comparison (None after a number search)."""
    pk, born, sex, ward, status, sensitive = row[:6]
    if name_kana is None:
        name_kana = _field("name_kana").decrypt_raw(person_id=pk, row_id=pk, blob=row[8])
    return SearchRow(
        pk=pk,
        name_kanji=_field("name_kanji").decrypt_raw(person_id=pk, row_id=pk, blob=row[7]) or "",
        name_kana=name_kana or "",
        sex=SEX_LABELS.get(sex, sex),
        birth_date=born.isoformat(),
        ward=WARD_LABELS.get(ward, ward),
        status=STATUS_LABELS.get(status, status),
        sensitive=sensitive,
    )


@dataclass
class Overview:
    resident: Resident
    household: list[Resident]


def overview_read(resident_id: int) -> Overview:
    """The overview's data, without its access-log row: only for resident_overview (and the
    benchmark that measures what the log costs)."""
    # One query: the person's household (or the person alone), each row with its wrapped key.
    household = Resident.objects.filter(pk=resident_id).values("household_id")
    members = list(with_wrapped_keys(
        Resident.objects.filter(Q(pk=resident_id) | Q(household_id=Subquery(household)))
    ).order_by("id"))
    resident = next((m for m in members if m.pk == resident_id), None)
    if resident is None:
        raise Resident.DoesNotExist
    dek_remember_rows(members)
    return Overview(resident, members)


def resident_overview(*, actor, request, resident_id: int) -> Overview:
    """The overview of one resident and their household. Raises Resident.DoesNotExist, or
    NotPermitted (after logging the refused access) when the office limits views to its ward."""
    overview = overview_read(resident_id)
    resident, members = overview.resident, overview.household
    if not scope.person_view_allowed(actor, resident):
        access_log_write(actor=actor, request=request, function="person.view.denied", channel="screen",
                         person_ids=[resident.pk])
        raise NotPermitted(scope.VIEW_OUTSIDE_WARD)
    access_log_write(  # one statement in autocommit: its own short transaction
        actor=actor, request=request, channel="screen",
        function=log_function("person.view", outside_ward=not scope.in_home_ward(actor, resident.ward)),
        person_ids=[resident.pk, *[m.pk for m in members if m.pk != resident.pk]],
    )
    return overview


def log_function(base: str, *, outside_ward: bool = False) -> str:
    """The access log's function code with its flags ("person.view.outside_ward")."""
    return base + (".outside_ward" if outside_ward else "")
