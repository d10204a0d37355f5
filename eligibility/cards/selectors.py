"""Reads of cards and certificates (証類): a person's card tab, and the PDF of an issue rendered from
the resident's current data (the print is logged like a screen, channel "print").

Every function that returns a person's data writes exactly one access-log row for the request,
naming every person it shows (audit.services.access_log_write): call it once per request.
Public: ``card_holder`` and ``card_holders``, the person as every document prints them (premiums'
notices), for a caller that logs its own print; ``CareFacts`` and ``care_facts_register``: the
certification boxes of the card and the certificates, supplied by certification (which eligibility
does not import): a module ``card_facts.py`` of an app registers its source, found at the first print;
``benefit_restriction_register``: the 給付制限 box, supplied by benefits the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from audit.services import access_log_write
from eligibility.cards.documents import (
    CareInfo,
    DocumentMeta,
    render_batch,
    render_eligibility_certificate,
    render_insurance_card,
    render_qualification_certificate,
)
from eligibility.cards.models import CardIssue
from eligibility.cards.rules import QUALIFICATION_CERTIFICATE_DAYS, REASON_LABELS
from eligibility.codes import CardKind
from eligibility.residents.models import InsuredNumber, Resident
from eligibility.residents.selectors import PersonHeader, log_function, person_header, protected_ids
from kaigo.crypto.deks import dek_preload
from kaigo.discovery import autodiscover
from kaigo.documents import CardHolder, insurer_info
from kaigo.errors import NotPermitted

PRINT_PROTECTED = ("支援措置対象者（またはその世帯員）の証は住所を印字するため、その区の支援措置の閲覧権限がある職員のみ"
                   "印刷できます。")
CARD_LABELS = dict(CardKind.choices)


@dataclass(frozen=True)
class CardRow:
    pk: int
    kind: str
    issued_on: date
    reprint: bool
    reason: str
    batch_run_id: int | None


@dataclass
class CardsPage(PersonHeader):
    issues: list[CardRow] = field(default_factory=list)


def cards_page(*, actor, request, resident_id: int) -> CardsPage:
    person, function = person_header(actor, request, resident_id, "card.view")
    issues = [CardRow(pk, CARD_LABELS.get(kind, kind), issued_on, reprint, REASON_LABELS.get(reason, reason), run)
              for pk, kind, issued_on, reprint, reason, run in
              CardIssue.objects.filter(resident_id=resident_id).order_by("-issued_on", "-id")
              .values_list("id", "kind", "issued_on", "reprint", "reason", "batch_run_id")]
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return CardsPage(**vars(person), issues=issues)


def card_print(*, actor, request, resident_id: int, issue_id: int) -> tuple[CardIssue, bytes]:
    """The PDF of one issue, rendered from the resident's current data; logged as a print."""
    issue = CardIssue.objects.filter(pk=issue_id, resident_id=resident_id).first()
    if issue is None:
        raise CardIssue.DoesNotExist
    person, function = person_header(actor, request, resident_id, "card.print", channel="print")
    if person.insured_number is None:
        raise CardIssue.DoesNotExist
    if not person.sensitive_visible:  # the document prints the address
        access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id],
                         function=log_function("card.print.denied", sensitive=True))
        raise NotPermitted(PRINT_PROTECTED)
    pdf = card_render(issue, person.resident, person.insured_number)
    access_log_write(actor=actor, request=request, function=function, channel="print", person_ids=[resident_id])
    return issue, pdf


def run_cards_print(*, actor, request, run_id: int) -> bytes:
    """Every card issued by a batch run (the monthly 65th-birthday run), by person number, as one
    PDF; one access-log row names every person printed. Protected persons (支援措置) are left
    out: their cards print at their ward office, from the person's card tab, by the staff who may
    see their address."""
    issues = list(CardIssue.objects.filter(batch_run_id=run_id).order_by("resident_id", "id"))
    if not issues:
        raise CardIssue.DoesNotExist
    left_out = protected_ids({i.resident_id for i in issues})
    issues = [i for i in issues if i.resident_id not in left_out]
    if not issues:
        raise CardIssue.DoesNotExist
    residents, numbers = _printed_residents({i.resident_id for i in issues})
    items = [(i, residents[i.resident_id], numbers[i.resident_id]) for i in issues
             if i.resident_id in residents and i.resident_id in numbers]
    pdf = cards_render_batch(items)
    access_log_write(actor=actor, request=request, function="card.print", channel="print",
                     person_ids=[i.resident_id for i, _, _ in items], hits=len(items))
    return pdf


# --- the certification boxes (filled by certification) ----------------------------------------------


@dataclass(frozen=True)
class CareFacts:
    """What the card's certification boxes print (様式第1号 (二)); None leaves a box blank."""

    care_level: str | None = None  # 要介護状態区分等, e.g. "要介護2"
    certified_on: date | None = None  # 認定年月日
    valid_from: date | None = None  # 認定の有効期間
    valid_to: date | None = None
    board_opinion: str | None = None  # 認定審査会の意見及びサービスの種類の指定, as printed
    application_pending: bool = False  # an application for certification pending (受給資格証明書)


_care_sources: list[Callable[[int, date], CareFacts | None]] = []
_care_discovered = False
_care_lock = threading.Lock()


def care_facts_register(source: Callable[[int, date], CareFacts | None]):
    """Register the source of a person's certification facts on a day (certification's
    ``card_facts.py``): called with (resident id, day), returns CareFacts or None."""
    if source not in _care_sources:
        _care_sources.append(source)
    return source


def _discover_card_facts() -> None:
    global _care_discovered
    if not _care_discovered:
        with _care_lock:
            if not _care_discovered:
                autodiscover("card_facts")
                _care_discovered = True


def care_facts(resident_id: int, on: date) -> CareFacts:
    """The certification facts of a person on ``on`` as the registered source gives them (blank
    when no app supplies them)."""
    _discover_card_facts()
    for source in _care_sources:
        facts = source(resident_id, on)
        if facts is not None:
            return facts
    return CareFacts()


# --- the benefit restriction box (filled by benefits) ------------------------------------------------

_restriction_sources: list[Callable[[int, date], str | None]] = []


def benefit_restriction_register(source: Callable[[int, date], str | None]):
    """Register the source of the card's 給付制限 box (benefits' ``card_facts.py``): called with
    (resident id, day), returns the text to print (the measures in force and their periods) or None."""
    if source not in _restriction_sources:
        _restriction_sources.append(source)
    return source


def benefit_restriction(resident_id: int, on: date) -> str | None:
    """What the card's 給付制限 box prints for a person on ``on`` (None: blank)."""
    _discover_card_facts()
    for source in _restriction_sources:
        text = source(resident_id, on)
        if text:
            return text
    return None


# --- the printed person and the PDF -----------------------------------------------------------------


def card_holder(resident: Resident, insured_number: str) -> CardHolder:
    """The printed person (decrypts name, kana and address: the caller logs the print)."""
    return CardHolder(
        insured_number=insured_number, name_kanji=resident.name_kanji or "", name_kana=resident.name_kana or "",
        birth_date=resident.birth_date, sex_label=resident.get_sex_display(), address=resident.address or "",
    )


def card_render(issue: CardIssue, resident: Resident, insured_number: str) -> bytes:
    """The PDF of one issue; the certification boxes as certification supplies them on the issue
    day (a 受給資格証明書: on the day of the move out, the last day the certification was in force)."""
    holder = card_holder(resident, insured_number)
    meta = DocumentMeta(issued_on=issue.issued_on, reprint=issue.reprint, serial=f"{issue.pk:08d}")
    on = (resident.moved_out_on or issue.issued_on) if issue.kind == CardKind.ELIGIBILITY_CERTIFICATE \
        else issue.issued_on
    facts = care_facts(resident.pk, on)
    care = CareInfo(care_level=facts.care_level, certified_on=facts.certified_on, valid_from=facts.valid_from,
                    valid_to=facts.valid_to, board_opinion=facts.board_opinion,
                    benefit_restriction=benefit_restriction(resident.pk, on))
    if issue.kind == CardKind.QUALIFICATION_CERTIFICATE:
        return render_qualification_certificate(
            holder=holder, insurer=insurer_info(), care=care, meta=meta, application_date=issue.issued_on,
            valid_until=issue.issued_on + timedelta(days=QUALIFICATION_CERTIFICATE_DAYS))
    if issue.kind == CardKind.ELIGIBILITY_CERTIFICATE:
        return render_eligibility_certificate(
            holder=holder, insurer=insurer_info(), care=care, meta=meta,
            moved_out_on=resident.moved_out_on or issue.issued_on, application_pending=facts.application_pending)
    return render_insurance_card(holder=holder, insurer=insurer_info(), care=care, meta=meta)


def cards_render_batch(items: Sequence[tuple[CardIssue, Resident, str]]) -> bytes:
    """One PDF of many issues, in the given order (batch printing)."""
    return render_batch([card_render(issue, resident, number) for issue, resident, number in items])


def _printed_residents(person_ids: Iterable[int]) -> tuple[dict[int, Resident], dict[int, str]]:
    """These residents (their data keys read in one query) and their insured numbers."""
    ids = sorted(set(person_ids))
    dek_preload(ids)
    residents = Resident.objects.in_bulk(ids)
    numbers = dict(InsuredNumber.objects.filter(resident_id__in=ids).values_list("resident_id", "number"))
    return residents, numbers


@dataclass
class PrintedPersons:
    """The persons of a batch print: ``holders`` of those who can be printed (with an insured
    number), and the ``protected`` ones left out (支援措置: their documents print at their ward
    office, by the staff who may see their address; nothing of them is read)."""

    holders: dict[int, CardHolder]
    protected: set[int]


def card_holders(person_ids: Iterable[int]) -> PrintedPersons:
    """The persons of a batch print as every document prints them, in a fixed number of queries.
    Decrypts their names and addresses: the caller writes the print's one access-log row naming
    those it printed."""
    ids = set(person_ids)
    protected = protected_ids(ids)
    residents, numbers = _printed_residents(ids - protected)
    return PrintedPersons({pid: card_holder(resident, numbers[pid]) for pid, resident in residents.items()
                           if pid in numbers}, protected)
