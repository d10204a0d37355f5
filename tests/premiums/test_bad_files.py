"""Premium files that fail whole or in part (issue 17, items 8, 9 and 10), against real
PostgreSQL: a file cut short, unreadable or whose trailer disagrees is refused whole and recorded
with its reason, nothing applied (checked in the database) and the corrected file accepted; two
lines of one person in a tax file are a line error, not a database error; a payment far beyond
what is due is held for a clerk's decision (保留中の収納), and the counter asks before taking more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection

from eligibility.models import Resident
from kaigo.errors import InvalidState, NotPermitted
from kaigo.feeds import FileLayout
from kaigo.staff.roles import Role
from linkage.pension.simulator import PensionSnapshot, simulate_targets_file
from linkage.tax.simulator import TaxSnapshot, simulate_tax_corrections, simulate_tax_file
from premiums.collection.selectors import balance_of
from premiums.collection.services import PaymentInvalid, counter_payment_record, held_payment_decide
from premiums.intake.payment_feed.format import CHANNEL_FILE_CODES, PaymentChannel, payment_number
from premiums.intake.payment_feed.format import LAYOUT as PAYMENT_LAYOUT
from premiums.intake.pension_feed.format import LAYOUT as PENSION_LAYOUT
from premiums.intake.services import (
    InboundFileInvalid,
    payment_file_receive,
    pension_listing_receive,
    pension_results_receive,
    tax_file_receive,
)
from premiums.intake.tax_feed.format import LAYOUT as TAX_LAYOUT
from premiums.levy.services import main_levy_chunk
from premiums.models import (
    CounterReceipt,
    DeductionStop,
    HeldPayment,
    HeldStatus,
    InboundFile,
    InboundLineError,
    Levy,
    LevyPending,
    Payment,
    PensionFact,
    PreliminaryPayment,
    TaxFact,
)
from synthetic.city import generate
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db
FY = 2026
ALL = {"lo": 0, "hi": 10**12}
TODAY = date(2026, 8, 3)


def applied_anything() -> dict[str, int]:
    """Everything a premium file can write, counted in the database."""
    return {model.__name__: model.objects.count() for model in (
        TaxFact, PensionFact, Payment, PreliminaryPayment, DeductionStop, LevyPending, InboundLineError, HeldPayment)}


# ----- bad files: every feed of premiums ----------------------------------------------------------


def split(data: bytes) -> tuple[str, list[str], str]:
    header, *lines, trailer, end = data.decode("utf-8").split("\n")
    assert end == "" and trailer.startswith("トレーラ")
    return header, lines, trailer


def text(*lines: str) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def cut_at_a_line_end(data: bytes, layout: FileLayout) -> bytes:
    header, lines, _ = split(data)
    return text(header, *lines[: len(lines) // 2])


def cut_mid_record(data: bytes, layout: FileLayout) -> bytes:
    header, lines, _ = split(data)
    return ("\n".join([header, *lines[: len(lines) // 2]]) + "\n" + lines[len(lines) // 2][:20]).encode("utf-8")


def count_wrong(data: bytes, layout: FileLayout) -> bytes:
    header, lines, trailer = split(data)
    fields = trailer.split(",")
    fields[1] = str(int(fields[1]) - 1)
    return text(header, *lines, ",".join(fields))


def total_wrong(data: bytes, layout: FileLayout) -> bytes:
    header, lines, trailer = split(data)
    fields = trailer.split(",")
    fields[2] = str(int(fields[2]) + 1)
    return text(header, *lines, ",".join(fields))


def trailer_missing(data: bytes, layout: FileLayout) -> bytes:
    header, lines, _ = split(data)
    return text(header, *lines)


BAD: dict[str, tuple[Callable[[bytes, FileLayout], bytes], str]] = {
    "empty": (lambda data, layout: b"", "ファイルが空です"),
    "shift-jis": (lambda data, layout: data.decode().encode("cp932"), "文字コードがUTF-8ではありません"),
    "cut-at-a-line-end": (cut_at_a_line_end, "トレーラ（件数・合計の行）ではありません"),
    "cut-mid-record": (cut_mid_record, "トレーラ（件数・合計の行）ではありません"),
    "trailer-count-wrong": (count_wrong, "トレーラの件数"),
    "trailer-total-wrong": (total_wrong, "トレーラの合計金額がデータ行の金額の合計と一致しません"),
    "trailer-missing": (trailer_missing, "トレーラ（件数・合計の行）ではありません"),
}


def tax_city() -> list[TaxSnapshot]:
    generate(residents=400, seed=17, as_of=date(2026, 4, 1))
    return [TaxSnapshot(*r) for r in Resident.objects.order_by("household_id", "id").values_list(
        "id", "household_id", "relation", "birth_date", "sex")]


def tax_file():
    simulated = simulate_tax_file(tax_city(), fiscal_year=FY, seed=3, serial_start=1)
    return simulated.data, TAX_LAYOUT, lambda data: tax_file_receive(data, file_name="tax.csv", fiscal_year=FY)


def pension_file():
    generate(residents=600, seed=18, as_of=date(2026, 4, 1))
    snapshots = [PensionSnapshot(r.pk, r.name_kana, r.birth_date, r.sex) for r in Resident.objects.all()]
    simulated = simulate_targets_file(snapshots, fiscal_year=FY, seed=4)
    return simulated.data, PENSION_LAYOUT, lambda data: pension_listing_receive(
        data, file_name="tokucho-00.csv", notice="00", month=(FY, 5))


def payment_file():
    _person, levy = billed_person()
    number = payment_number(FY, levy.notice_number, 1)
    amount = levy.installments.get(method="billing", number=1).amount
    lines = [",".join([f"A{n}", CHANNEL_FILE_CODES[PaymentChannel.COUNTER], number, str(amount), "2026-07-20",
                       "2026-07-21", "", "00100"]) for n in range(1, 5)]
    return PAYMENT_LAYOUT.file(lines), PAYMENT_LAYOUT, lambda data: payment_file_receive(
        data, file_name="shuno.csv", today=TODAY)


FEEDS = {"tax": tax_file, "pension-00": pension_file, "payment": payment_file}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("feed", list(FEEDS))
def test_a_bad_file_is_refused_whole_nothing_applied_and_the_corrected_file_accepted(feed, bad):
    good, layout, receive = FEEDS[feed]()
    make, reason = BAD[bad]
    before = applied_anything()

    with pytest.raises(InboundFileInvalid) as refused:
        receive(make(good, layout))

    assert applied_anything() == before  # nothing applied: no fact, payment, held payment or line error
    (file,) = InboundFile.objects.all()
    assert file.refused and reason in file.refusal and reason in refused.value.message
    assert (file.applied, file.rejected) == (0, 0)
    # the corrected file, whole, is received and applied
    received = receive(good)
    assert received.created and received.applied > 0 and not received.file.refused


def test_a_cut_results_file_of_the_pension_insurers_is_refused_whole_too():
    header, lines = PENSION_LAYOUT.header, []
    with pytest.raises(InboundFileInvalid, match="トレーラ"):
        pension_results_receive(text(header, *lines), file_name="tokucho-10.csv", month=(FY, 10))
    assert InboundFile.objects.get().refused and applied_anything() == dict.fromkeys(applied_anything(), 0)


# ----- two lines of one person in a tax file --------------------------------------------------------


def test_two_corrections_of_one_person_in_one_file_refuse_the_later_line_with_its_number():
    """A tax clerk reads the file as the tax office wrote it: one line per person. Of two lines of
    one person the earlier is applied (as for 当初 lines) and the later refused with its line
    number and reason; the tax office sends it again if it is the right one."""
    people = tax_city()
    initial = simulate_tax_file(people, fiscal_year=FY, seed=5, serial_start=1)
    tax_file_receive(initial.data, file_name="tax.csv", fiscal_year=FY)
    corrections = simulate_tax_corrections(initial.records, fiscal_year=FY, seed=5, share=0.05,
                                           serial_start=500_000)
    _header, lines, _ = split(corrections.data)
    twice = lines[0].split(",")
    twice[0] = "999999999999"  # a serial of its own: a second correction, not a resend
    twice[9] = str(int(twice[9]) + 100_000)  # 合計所得金額: another figure
    data = TAX_LAYOUT.file([*lines, ",".join(twice)])
    person = corrections.records[0].person_id

    received = tax_file_receive(data, file_name="tax-kosei.csv", fiscal_year=FY)

    second = len(lines) + 2
    error = InboundLineError.objects.get(file=received.file)
    assert (error.line_no, error.code) == (second, "person_duplicate")
    assert error.message == f"{second}行目: 宛名番号が2行目と重複しています（1つのファイルで1人1行です。後の行を受け付けません）。"
    assert str(person) not in error.message
    assert received.applied == len(lines) and received.rejected == 1
    current = TaxFact.objects.get(resident_id=person, fiscal_year=FY, recorded_to__isnull=True)
    assert (current.serial, current.correction) == (corrections.records[0].serial, True)
    assert TaxFact.objects.filter(resident_id=person, fiscal_year=FY).count() == 2  # 当初 kept as history
    assert LevyPending.objects.filter(resident_id=person).count() == 1


# ----- payments far beyond what is due ----------------------------------------------------------------


def billed_person():
    person = make_elderly()
    make_tax_fact(person, FY, household_taxed=True)
    main_levy_chunk(fiscal_year=FY, **ALL)
    return person, Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)


def year_open(person) -> int:
    balance = balance_of(person.pk, FY)
    return sum(r.open for r in balance.rows if r.method == "billing")


def payment_line(serial: str, number: str, amount: int) -> str:
    return ",".join([serial, CHANNEL_FILE_CODES[PaymentChannel.COUNTER], number, str(amount), "2026-07-20",
                     "2026-07-21", "", "00100"])


def test_a_payment_far_beyond_what_is_due_is_held_then_applied_as_an_overpayment_by_a_clerk(make_staff):
    person, levy = billed_person()
    first = levy.installments.get(method="billing", number=1)
    number = payment_number(FY, levy.notice_number, 1)
    owed = year_open(person)
    data = PAYMENT_LAYOUT.file([payment_line("B1", number, first.amount),
                                payment_line("B2", number, 999_999_999)])

    received = payment_file_receive(data, file_name="shuno.csv", today=TODAY)

    assert (received.applied, received.held, received.rejected) == (1, 1, 0)
    assert list(Payment.objects.values_list("amount", flat=True)) == [first.amount]  # the huge one not booked
    held = HeldPayment.objects.get()
    assert (held.line_no, held.amount, held.open_amount, held.status) == (3, 999_999_999, owed, HeldStatus.HELD)
    error = InboundLineError.objects.get(file=received.file)
    assert (error.line_no, error.code) == (3, "payment_held") and error.message.startswith("3行目: ")
    assert "999" not in error.message
    # the same receipt in another file is counted once, not held twice
    again = payment_file_receive(PAYMENT_LAYOUT.file([payment_line("B2", number, 999_999_999)]),
                                 file_name="shuno-2.csv", today=TODAY)
    assert again.held == 0 and HeldPayment.objects.count() == 1
    assert InboundLineError.objects.get(file=again.file).code == "receipt_received"

    # a ward clerk may not decide on an overpayment; a head-office clerk decides, with a reason
    with pytest.raises(NotPermitted):
        held_payment_decide(actor=make_staff(Role.WARD_CLERK), held_id=held.pk, action="apply", reason="確認済み")
    clerk = make_staff(Role.HEAD_OFFICE_CLERK)
    with pytest.raises(PaymentInvalid, match="判断の理由"):
        held_payment_decide(actor=clerk, held_id=held.pk, action="apply", reason=" ")
    decided = held_payment_decide(actor=clerk, held_id=held.pk, action="apply", reason="納付者に確認済み")
    assert (decided.status, decided.decided_by, decided.reason) == (HeldStatus.APPLIED, clerk, "納付者に確認済み")
    assert decided.decided_at is not None and decided.payment.amount == 999_999_999
    assert balance_of(person.pk, FY).overpaid == 999_999_999 + first.amount - owed
    with pytest.raises(InvalidState):
        held_payment_decide(actor=clerk, held_id=held.pk, action="return", reason="二度目")


def test_a_held_payment_returned_books_nothing(make_staff):
    person, levy = billed_person()
    number = payment_number(FY, levy.notice_number, 2)
    payment_file_receive(PAYMENT_LAYOUT.file([payment_line("C1", number, 50_000_000)]), file_name="s.csv",
                         today=TODAY)
    held = HeldPayment.objects.get()
    clerk = make_staff(Role.HEAD_OFFICE_CLERK)
    returned = held_payment_decide(actor=clerk, held_id=held.pk, action="return", reason="誤納付のため返戻")
    assert (returned.status, returned.payment, returned.decided_by) == (HeldStatus.RETURNED, None, clerk)
    assert not Payment.objects.exists() and balance_of(person.pk, FY).overpaid == 0


@pytest.mark.parametrize("excess,margin,held", [
    (0, 0, False),  # exactly what the year owes
    (1, 0, True),  # one yen beyond it
    (1_000, 1_000, False),  # within the configured margin
    (1_001, 1_000, True),
])
def test_the_margin_beyond_the_year_open_amount(settings, excess, margin, held):
    settings.KAIGO_PAYMENT_HOLD_MARGIN = margin
    person, levy = billed_person()
    owed = year_open(person)
    received = payment_file_receive(PAYMENT_LAYOUT.file([payment_line(
        "D1", payment_number(FY, levy.notice_number, 1), owed + excess)]), file_name="m.csv", today=TODAY)
    assert (received.held, received.applied) == ((1, 0) if held else (0, 1))


def test_the_screen_lists_held_payments_and_records_the_decision(client_as):
    _person, levy = billed_person()
    payment_file_receive(PAYMENT_LAYOUT.file([payment_line("E1", payment_number(FY, levy.notice_number, 1),
                                                           999_999_999)]), file_name="e.csv", today=TODAY)
    held = HeldPayment.objects.get()
    client = client_as(Role.HEAD_OFFICE_CLERK)
    page = client.get("/premiums/held-payments/")
    assert page.status_code == 200 and "999,999,999円" in page.content.decode()
    missing = client.post("/premiums/held-payments/", {"held": held.pk, "decision": "apply"})
    assert missing.status_code == 400 and "判断の理由を入力してください。" in missing.content.decode()
    done = client.post("/premiums/held-payments/", {"held": held.pk, "decision": "return", "reason": "返戻する"})
    assert done.status_code == 302
    held.refresh_from_db()
    assert held.status == HeldStatus.RETURNED and "保留中の収納はありません" in client.get(
        "/premiums/held-payments/").content.decode()
    assert client_as(Role.WARD_CLERK).get("/premiums/held-payments/").status_code == 403


def test_the_counter_asks_before_taking_more_than_is_due(make_staff):
    person, levy = billed_person()
    clerk = make_staff(Role.WARD_CLERK)
    july = date(2026, 7, 1)
    owed = next(r.open for r in balance_of(person.pk, FY).rows if r.method == "billing" and r.month == july)
    with pytest.raises(PaymentInvalid, match="過納として受け付ける"):
        counter_payment_record(actor=clerk, resident_id=person.pk, keys=[(FY, "billing", july)],
                               amount=999_999, paid_on=date(2026, 7, 10))
    assert not CounterReceipt.objects.exists() and not Payment.objects.exists()
    receipt = counter_payment_record(actor=clerk, resident_id=person.pk, keys=[(FY, "billing", july)],
                                     amount=owed + 500, paid_on=date(2026, 7, 10), overpay_confirmed=True)
    assert (receipt.overpaid, receipt.recorded_by) == (500, clerk)
    exact = counter_payment_record(actor=clerk, resident_id=person.pk, keys=[(FY, "billing", date(2026, 8, 1))],
                                   amount=levy.installments.get(method="billing", month=date(2026, 8, 1)).amount,
                                   paid_on=date(2026, 7, 10))
    assert exact.overpaid == 0


def test_the_year_open_amount_is_what_the_current_levy_bills_minus_what_was_paid():
    person, levy = billed_person()
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(amount) FROM premiums_levyinstallment WHERE levy_id = %s AND method = 'billing'",
                       [levy.pk])
        (billed,) = cursor.fetchone()
    assert year_open(person) == billed > 0
