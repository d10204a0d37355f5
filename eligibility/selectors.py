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

SEARCH_LIMIT = 100
CANDIDATE_LIMIT = 5_000  # beyond this a name is too common to list: the clerk adds the birth date


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


def _matches(resident: Resident, criteria: SearchCriteria) -> bool:
    """Blind indexes are truncated: candidates are confirmed by comparing decrypted values."""
    if criteria.my_number:
        return resident.my_number == my_number_validate(criteria.my_number)
    if criteria.kana_surname:
        parts = resident.name_kana.split()
        surname = normalise_kana(parts[0]) if parts else ""
        return surname == normalise_kana(criteria.kana_surname) and resident.birth_date == criteria.birth_date
    return normalise_kana(resident.name_kana) == normalise_kana(criteria.kana_name)


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
    # Candidates share the truncated index value: confirm each by decrypting only what is
    # compared, then load the rows shown (at most SEARCH_LIMIT).
    compared = "my_number_ct" if criteria.my_number else "name_kana_ct"
    candidates = list(queryset.order_by("id").only("id", "birth_date", compared)[:CANDIDATE_LIMIT])
    dek_preload(c.pk for c in candidates)
    found = [c.pk for c in candidates if _matches(c, criteria)]
    shown = list(Resident.objects.filter(pk__in=found[:SEARCH_LIMIT]).order_by("id"))
    # One statement, its own transaction (autocommit): the chain's lock is held only for it.
    access_log_write(
        actor=actor, request=request, function="person.search", channel="screen",
        person_ids=[r.pk for r in shown], hits=len(found), criteria_kind=criteria.kind,
    )
    return SearchResult(shown, truncated=len(found) > SEARCH_LIMIT)


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
