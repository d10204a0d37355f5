"""Reads of residents. Every read of personal data goes through here and writes one
access-log row (audit.services.access_log_write) with every person it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from audit.services import access_log_write
from django.db.models import Q, Subquery

from eligibility.models import Resident
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
CONFIRM_BATCH = 150  # candidates confirmed per step (one key query each)


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


@dataclass
class SearchResult:
    residents: list[Resident]
    truncated: bool


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
    # Candidates share the truncated index value: confirm them in id order by decrypting only
    # the compared value (no model instances), and stop once more than a page is confirmed.
    field = Resident._meta.get_field("my_number" if criteria.my_number else "name_kana")
    rows = list(queryset.order_by("id").values_list("id", "birth_date", field.attname)[:CANDIDATE_LIMIT])
    found: list[int] = []
    for start in range(0, len(rows), CONFIRM_BATCH):
        batch = rows[start : start + CONFIRM_BATCH]
        dek_preload(pk for pk, _, _ in batch)
        found += [pk for pk, born, blob in batch
                  if _matches(field.decrypt_raw(person_id=pk, row_id=pk, blob=blob), born, criteria)]
        if len(found) > SEARCH_LIMIT:
            break
    truncated = len(found) > SEARCH_LIMIT
    shown = list(Resident.objects.filter(pk__in=found[:SEARCH_LIMIT]).order_by("id"))
    # One statement, its own transaction (autocommit): the chain's lock is held only for it.
    # hits: the matches found; when more than a page match, the search stopped counting there.
    access_log_write(
        actor=actor, request=request, function="person.search", channel="screen",
        person_ids=[r.pk for r in shown], hits=len(found), criteria_kind=criteria.kind,
    )
    return SearchResult(shown, truncated=truncated)


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
    overview = overview_read(resident_id)
    resident, members = overview.resident, overview.household
    access_log_write(  # one statement in autocommit: its own short transaction
        actor=actor, request=request, function="person.view", channel="screen",
        person_ids=[resident.pk, *[m.pk for m in members if m.pk != resident.pk]],
    )
    return overview
