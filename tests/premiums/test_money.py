"""Issue 16, money at the counter: pension deductions are never arrears, a queued correction shows
更正待ち, late charges (延滞金) on the tab, the counter, reminders and slips, several 期 in one payment
with its 領収証書, the late charge's exemption, 還付・充当 decided on a screen with their notices and
paid by a bank transfer file, and every write checking the role and the ward (real PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from audit.models import AccessLogEntry
from eligibility.codes import Ward
from kaigo.bank.zengin import transfer_results
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from linkage.bank.simulator import bank_return
from premiums.arrears.selectors import arrears_rows, overdue_persons
from premiums.arrears.services import prescription_chunk, reminders_chunk
from premiums.collection.selectors import balance_of, year_collection
from premiums.intake.payment_feed.format import CHANNEL_FILE_CODES, payment_number
from premiums.intake.payment_feed.format import PaymentChannel as FileChannel
from premiums.intake.payment_feed.format import LAYOUT as PAYMENT_LAYOUT
from premiums.intake.services import payment_file_receive
from premiums.collection.services import (
    CounterPayment,
    PaymentInvalid,
    RefundAccount,
    counter_payment_record,
    late_charge_exemption_apply,
    late_charge_exemption_decide,
    payment_record_counter,
    refund_decide,
    transfer_file_create,
    transfer_results_receive,
)
from premiums.levy.services import levy_pending_add, main_levy_chunk
from premiums.models import (
    BankTransferLine,
    HeldPayment,
    Levy,
    CounterReceipt,
    DeductionStop,
    InboundFile,
    InboundKind,
    LateChargePayment,
    LevyPendingCause,
    Payment,
    PaymentChannel,
    PremiumNotice,
    Settlement,
    TransferStatus,
    WriteOff,
)
from premiums.notices.services import NoticeInvalid, notice_pdf
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_pension_fact, make_tax_fact

pytestmark = pytest.mark.django_db
FY = 2026
ALL = {"lo": 0, "hi": 10**12}
JULY, AUGUST, SEPTEMBER = date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)


@pytest.fixture(autouse=True)
def charging(settings, monkeypatch):
    """Late charges from FY2024, at ten times the law's rates: a bill of this city's size (18,900円)
    bears a charge of 1,000円 or more within the year (the law's figures: test_rules_arrears.py)."""
    from dataclasses import replace

    from premiums.arrears import selectors
    from premiums.rules.arrears import LATE_CHARGE_RATES

    settings.KAIGO_LATE_CHARGE_FROM = 2024
    rates = tuple(replace(r, first=r.first * 10, later=r.later * 10) for r in LATE_CHARGE_RATES)
    monkeypatch.setattr(selectors, "ASSUMED_ARREARS_PLAN", replace(selectors.ASSUMED_ARREARS_PLAN,
                                                                   late_charge_rates=rates))


def billed(**kw):
    person = make_elderly(**kw)
    make_tax_fact(person, FY, household_taxed=True)  # stage 4: 70,200 by bills, 第1期 7,200 then 7,000 (7/31 ...)
    main_levy_chunk(fiscal_year=FY, **ALL)
    return person


def deducted():
    person = make_elderly()
    make_tax_fact(person, FY, household_taxed=True)
    make_pension_fact(person, FY)
    main_levy_chunk(fiscal_year=FY, **ALL)
    return person


def pension_rows(person):
    return [r for r in balance_of(person.pk, FY).rows if r.method == "pension"]


# --- item 3: a pension deduction is never the resident's arrears --------------------------------


def test_a_pension_deduction_without_its_result_is_awaited_not_in_arrears(client_as):
    person = deducted()
    rows = pension_rows(person)
    assert rows, "the person is deducted from the pension"
    today = timezone.localdate()
    past = [r for r in rows if r.due_date < today]
    assert past and not any(r.overdue(today) for r in rows)
    body = client_as(Role.WARD_CLERK).get(f"/persons/{person.pk}/premiums/").content.decode()
    assert "未着：年金保険者からの特別徴収の結果待ち" in body
    section = body.split("納期と収納")[1]
    assert "滞納" not in section.split("特別徴収")[1].split("</tr>")[0]
    # the arrears paths are the bills' only: no reminder, no write-off, not on the list
    for row in balance_of(person.pk, FY).rows:
        if row.billed:
            Payment.objects.create(resident=person, fiscal_year=FY, method="billing", month=row.month,
                                   channel="counter", amount=row.due, paid_on=row.due_date, booked_on=row.due_date)
    assert person.pk not in overdue_persons(date(2029, 1, 1))
    assert reminders_chunk(issued_on=past[0].due_date.replace(day=28), **ALL).done == 0
    prescription_chunk(today=date(2030, 1, 1), **ALL)
    assert not WriteOff.objects.filter(method="pension").exists()
    assert arrears_rows(ward=person.ward, today=date(2029, 1, 1), limit=50)[1] == 0


def test_a_deduction_made_shows_collected_and_one_reported_not_made_shows_the_stop(client_as):
    person = deducted()
    first, second = pension_rows(person)[:2]
    Payment.objects.create(resident=person, fiscal_year=FY, method="pension", month=first.month,
                           channel=PaymentChannel.PENSION, amount=first.due, paid_on=first.due_date,
                           booked_on=first.due_date)
    file = InboundFile.objects.create(kind=InboundKind.PENSION, sha256="0" * 64, file_name="r.csv", total_lines=1)
    DeductionStop.objects.create(resident=person, fiscal_year=FY, month=second.month, result="insufficient", file=file)
    body = client_as(Role.WARD_CLERK).get(f"/persons/{person.pk}/premiums/").content.decode()
    assert "徴収済" in body
    assert "特別徴収されず：未徴収（年金額不足）。次の更正で普通徴収に切替" in body


def test_a_counter_payment_on_a_pension_deduction_is_refused(make_staff):
    person = deducted()
    row = pension_rows(person)[0]
    with pytest.raises(PaymentInvalid, match="特別徴収"):
        payment_record_counter(actor=make_staff(Role.WARD_CLERK), resident_id=person.pk, data=CounterPayment(
            FY, "pension", row.month, 1_000, date(2026, 11, 1)))
    assert not Payment.objects.exists()


def test_a_queued_correction_shows_pending_until_its_batch_runs(client_as):
    person = billed()
    client = client_as(Role.WARD_CLERK)
    assert "更正待ち" not in client.get(f"/persons/{person.pk}/premiums/").content.decode()
    levy_pending_add([(person.pk, FY, date(2026, 9, 1), LevyPendingCause.TAX)])
    body = client.get(f"/persons/{person.pk}/premiums/").content.decode()
    assert "<strong>更正待ち</strong>（課税情報の更正）" in body and "1（更正待ち）" in body


# --- item 4: late charges on the balance, the tab, the counter -----------------------------------


def test_the_year_shows_each_bills_late_charge_paid_late_or_open():
    person = billed()
    Payment.objects.create(resident=person, fiscal_year=FY, method="billing", month=JULY, channel="counter",
                           amount=7_200, paid_on=date(2026, 11, 30), booked_on=date(2026, 11, 30))
    year = year_collection(person.pk, FY, as_of=date(2026, 12, 31))
    july = year.late_charge("billing", JULY)
    # 7,200 -> base 7,000; 8/1-8/31 at 28 % (166.5), 9/1-11/30 at 91 % (1,588.3): 1,754 -> 1,700円, fixed
    assert july.settled and july.amount == 1_700 and july.open == 1_700
    # the open bills of a large amount: as if paid on the day asked for
    assert all(not c.settled for c in year.late_charges if c.month != JULY)


def big_billed():
    person = make_elderly()
    make_tax_fact(person, FY, self_taxed=True, household_taxed=True, total_income=9_000_000)  # stage 13
    main_levy_chunk(fiscal_year=FY, **ALL)
    return person


def test_several_installments_in_one_counter_payment_with_their_late_charges_and_a_receipt(client_as):
    person = big_billed()
    client = client_as(Role.WARD_CLERK)
    paid_on = date(2026, 12, 1)
    year = year_collection(person.pk, FY, as_of=paid_on)
    due = [r for r in year.balance.rows if r.billed and r.due_date < paid_on]
    charges = {r.month: (c.open if (c := year.late_charge("billing", r.month)) else 0) for r in due}
    assert charges[JULY] >= 1_000  # a large bill four months late bears one
    keys = [f"{FY}:billing:{r.month.isoformat()}" for r in due]
    total = sum(r.open for r in due) + sum(charges.values())
    quoted = client.post(f"/persons/{person.pk}/premiums/payment/",
                         {"installments": keys, "paid_on": paid_on.isoformat(), "action": "quote"}).content.decode()
    assert f'value="{total}"' in quoted  # the amount pre-filled, late charges included
    done = client.post(f"/persons/{person.pk}/premiums/payment/", {
        "installments": keys, "paid_on": paid_on.isoformat(), "amount": str(total), "action": "record"})
    assert done.status_code == 302
    receipt = CounterReceipt.objects.get()
    assert receipt.amount == total and receipt.recorded_by == client.staff
    assert {p.month: p.amount for p in Payment.objects.filter(receipt=receipt)} == {r.month: r.open for r in due}
    assert {c.month: c.amount for c in LateChargePayment.objects.filter(receipt=receipt)} == {
        m: a for m, a in charges.items() if a}
    after = year_collection(person.pk, FY, as_of=paid_on)
    assert all(not r.open for r in after.balance.rows if r.month in charges)
    assert after.late_charge("billing", JULY).open == 0
    # the 領収証書: a PDF whose preview writes the access log and no notice row
    logged = AccessLogEntry.objects.count()
    pdf = client.get(f"/persons/{person.pk}/premiums/receipts/{receipt.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert AccessLogEntry.objects.count() == logged + 1 and not PremiumNotice.objects.exists()


def test_the_money_goes_to_the_premiums_first_then_the_late_charges(make_staff):
    person = big_billed()
    clerk = make_staff(Role.WARD_CLERK)
    paid_on = date(2026, 12, 1)
    july = next(r for r in balance_of(person.pk, FY).rows if r.month == JULY)
    counter_payment_record(actor=clerk, resident_id=person.pk, keys=[(FY, "billing", JULY)],
                           amount=july.open - 100, paid_on=paid_on)
    assert not LateChargePayment.objects.exists()  # a late charge is paid only once its premium is
    counter_payment_record(actor=clerk, resident_id=person.pk, keys=[(FY, "billing", JULY)], amount=600,
                           paid_on=paid_on)
    assert Payment.objects.filter(month=JULY).exclude(amount=july.open - 100).get().amount == 100
    assert LateChargePayment.objects.get().amount == 500


def slip_file(person, number: int, amount: int, paid_on: date) -> bytes:
    """A payment file of one bank-paid 納付書 of the person's bill installment ``number``."""
    levy = Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)
    line = ",".join(["S1", CHANNEL_FILE_CODES[FileChannel.COUNTER], payment_number(FY, levy.notice_number, number), str(amount), paid_on.isoformat(),
                     paid_on.isoformat(), "", "00100"])
    return PAYMENT_LAYOUT.file([line])


# Each case from the worked example above (a stage-4 bill's 第1期 of 7,200円, 納期限 2026-07-31, paid
# on 2026-11-30 with the test's rates: a late charge of 1,700円): what the bank reports for the slip,
# and how it is booked. Premium first (what the installment owes), then the late charge up to what
# is open, anything beyond back on the premium as an overpayment; a slip paid by its 納期限 owes no
# late charge and is not split.
SLIP_CASES = [
    # paid_on, amount, premium booked, late charge booked
    (date(2026, 11, 30), 7_200 + 1_700, 7_200, 1_700),      # the slip as printed: premium and charge
    (date(2026, 11, 30), 7_200 + 1_700 + 300, 7_500, 1_700),  # 300円 more: overpaid premium, not charge
    (date(2026, 11, 30), 7_200 + 1_000, 7_200, 1_000),      # part of the charge
    (date(2026, 11, 30), 7_200, 7_200, 0),                  # the premium only: the charge stays open
    (date(2026, 11, 30), 5_000, 5_000, 0),                  # part of the premium: nothing to the charge
    (date(2026, 7, 31), 7_200 + 1_700, 8_900, 0),           # on the 納期限: no charge, all premium
]


@pytest.mark.parametrize(("paid_on", "amount", "premium", "charge"), SLIP_CASES)
def test_a_slip_paid_late_at_a_bank_books_its_premium_first_then_its_late_charge(paid_on, amount, premium, charge):
    person = billed()
    received = payment_file_receive(slip_file(person, 1, amount, paid_on), file_name="slip.csv",
                                    today=date(2026, 12, 1))
    assert (received.applied, received.held, received.rejected) == (1, 0, 0)
    assert list(Payment.objects.filter(resident=person).values_list("month", "amount")) == [(JULY, premium)]
    late = list(LateChargePayment.objects.filter(resident=person).values_list("month", "amount", "payment__amount"))
    assert late == ([(JULY, charge, premium)] if charge else [])
    year = year_collection(person.pk, FY, as_of=paid_on)
    if charge:
        assert year.late_charge("billing", JULY).open == 1_700 - charge


def test_a_slip_of_only_the_late_charge_after_the_premium_was_paid_books_the_charge_alone(make_staff):
    person = billed()
    Payment.objects.create(resident=person, fiscal_year=FY, method="billing", month=JULY, channel="counter",
                           amount=7_200, paid_on=date(2026, 11, 30), booked_on=date(2026, 11, 30))
    received = payment_file_receive(slip_file(person, 1, 1_700, date(2026, 12, 1)), file_name="charge.csv",
                                    today=date(2026, 12, 1))
    assert (received.applied, received.held) == (1, 0)
    assert Payment.objects.filter(resident=person).count() == 1  # no premium row of 0円
    assert list(LateChargePayment.objects.values_list("amount", "payment")) == [(1_700, None)]
    assert year_collection(person.pk, FY, as_of=date(2026, 12, 1)).late_charge("billing", JULY).open == 0


def test_a_slip_beyond_the_premium_and_the_late_charges_is_still_held():
    person = billed()
    owed = sum(r.open for r in balance_of(person.pk, FY).rows if r.method == "billing")
    charges = year_collection(person.pk, FY, as_of=date(2026, 11, 30)).late_charge_open
    received = payment_file_receive(slip_file(person, 1, owed + charges + 1, date(2026, 11, 30)),
                                    file_name="huge.csv", today=date(2026, 12, 1))
    assert (received.applied, received.held) == (0, 1)
    assert not Payment.objects.exists() and not LateChargePayment.objects.exists()
    assert HeldPayment.objects.get().amount == owed + charges + 1


def test_without_late_charges_in_the_city_a_late_slip_is_all_premium(settings):
    settings.KAIGO_LATE_CHARGE_FROM = None
    person = billed()
    received = payment_file_receive(slip_file(person, 1, 8_900, date(2026, 11, 30)), file_name="slip.csv",
                                    today=date(2026, 12, 1))
    assert received.applied == 1 and not LateChargePayment.objects.exists()
    assert Payment.objects.get(resident=person).amount == 8_900


def test_writes_check_the_role_and_the_ward_and_write_nothing_when_refused(make_staff):
    person = billed(ward=Ward.KAWASAKI)
    other_ward = make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    own_ward = make_staff(Role.WARD_CLERK, organisation=Organisation.KAWASAKI)
    inquiry = make_staff(Role.INQUIRY)
    for actor in (other_ward, inquiry):
        with pytest.raises(NotPermitted):
            counter_payment_record(actor=actor, resident_id=person.pk, keys=[(FY, "billing", JULY)], amount=100,
                                   paid_on=date(2026, 7, 20))
        with pytest.raises(NotPermitted):
            payment_record_counter(actor=actor, resident_id=person.pk, data=CounterPayment(
                FY, "billing", JULY, 100, date(2026, 7, 20)))
    assert not Payment.objects.exists() and not CounterReceipt.objects.exists()
    counter_payment_record(actor=own_ward, resident_id=person.pk, keys=[(FY, "billing", JULY)], amount=100,
                           paid_on=date(2026, 7, 20))
    with pytest.raises(NotPermitted):  # a ward clerk may not decide a refund
        refund_decide(actor=own_ward, resident_id=person.pk, fiscal_year=FY, amount=1, reason="")


def test_the_late_charges_exemption_is_asked_for_and_decided_by_the_section_chief(make_staff, client_as):
    person = big_billed()
    clerk, chief = make_staff(Role.WARD_CLERK), make_staff(Role.SECTION_CHIEF)
    asked = late_charge_exemption_apply(actor=clerk, resident_id=person.pk, fiscal_year=FY, month=JULY,
                                        reason="入院のため")
    both = make_staff(Role.SECTION_CHIEF, Role.WARD_CLERK)
    own = late_charge_exemption_apply(actor=both, resident_id=person.pk, fiscal_year=FY, month=AUGUST,
                                      reason="災害のため")
    with pytest.raises(PaymentInvalid, match="受け付けた職員"):  # four eyes
        late_charge_exemption_decide(actor=both, exemption_id=own.pk, approve=True, reason="x")
    with pytest.raises(NotPermitted):  # a clerk does not decide
        late_charge_exemption_decide(actor=clerk, exemption_id=asked.pk, approve=True, reason="x")
    page = client_as(Role.SECTION_CHIEF).get("/premiums/late-charge-exemptions/").content.decode()
    assert "入院のため" in page
    late_charge_exemption_decide(actor=chief, exemption_id=asked.pk, approve=True, reason="病気による入院（診断書）")
    year = year_collection(person.pk, FY, as_of=timezone.localdate())
    july = year.late_charge("billing", JULY)
    assert july.amount and july.exempted == july.amount and july.open == 0
    with pytest.raises(PaymentInvalid, match="決定済み"):
        late_charge_exemption_decide(actor=chief, exemption_id=asked.pk, approve=False, reason="x")


# --- the notices: slips of open 期 only, reminders with the charge --------------------------------


def test_slips_print_only_open_bills_and_one_past_its_due_date_with_its_late_charge(make_staff, monkeypatch):
    from premiums.notices import services

    person = big_billed()
    from premiums.models import Levy

    levy_id = Levy.objects.get(resident=person).pk
    july = next(r for r in balance_of(person.pk, FY).rows if r.month == JULY)
    Payment.objects.create(resident=person, fiscal_year=FY, method="billing", month=AUGUST, channel="counter",
                           amount=next(r.due for r in balance_of(person.pk, FY).rows if r.month == AUGUST),
                           paid_on=date(2026, 8, 1), booked_on=date(2026, 8, 1))
    drawn = []
    monkeypatch.setattr(services.documents, "render_notice", lambda notice: drawn.append(notice) or b"%PDF")
    notice_pdf("payment_slip", levy_id, actor=make_staff(Role.WARD_CLERK), today=date(2026, 12, 1))
    slips = {s.label: s for s in drawn[0].slips}
    assert "第2期" not in slips  # paid
    assert slips["第1期"].amount == july.open and slips["第1期"].late_charge >= 1_000
    assert slips["第1期"].pay_by == date(2026, 12, 11)
    later = [s for s in slips.values() if s.due_date >= date(2026, 12, 1)]
    assert later and all(s.late_charge == 0 and s.pay_by is None for s in later)


def test_a_slip_of_a_year_paid_in_full_is_refused(make_staff):
    person = billed()
    for row in balance_of(person.pk, FY).rows:
        Payment.objects.create(resident=person, fiscal_year=FY, method="billing", month=row.month, channel="counter",
                               amount=row.due, paid_on=date(2026, 7, 1), booked_on=date(2026, 7, 1))
    from premiums.models import Levy
    with pytest.raises(NoticeInvalid, match="未納の普通徴収の納期がない"):
        notice_pdf("payment_slip", Levy.objects.get(resident=person).pk, actor=make_staff(Role.WARD_CLERK))


def test_a_reminder_states_the_late_charge_as_of_the_payment_date_it_names(make_staff, monkeypatch):
    from premiums.models import Levy
    from premiums.notices import services

    person = big_billed()
    drawn = []
    monkeypatch.setattr(services.documents, "render_notice", lambda notice: drawn.append(notice) or b"%PDF")
    notice_pdf("reminder", Levy.objects.get(resident=person).pk, actor=make_staff(Role.WARD_CLERK),
               installment_month=JULY, today=date(2026, 11, 20))
    reminder = drawn[0]
    expected = year_collection(person.pk, FY, as_of=reminder.pay_by).late_charge("billing", JULY).open
    assert reminder.unpaid.late_charge == expected > 0
    assert reminder.unpaid.total == reminder.unpaid.unpaid + expected


# --- 還付・充当 on a screen, its notices, the transfer file and the bank's return ---------------------


def overpaid_person():
    """Levied for FY2025 and FY2026; FY2025 paid in full and 3,000円 more, FY2026 open."""
    person = make_elderly()
    for year in (FY - 1, FY):
        make_tax_fact(person, year, household_taxed=True)
        main_levy_chunk(fiscal_year=year, **ALL)
    for row in balance_of(person.pk, FY - 1).rows:
        Payment.objects.create(resident=person, fiscal_year=FY - 1, method="billing", month=row.month,
                               channel="counter", amount=row.due + (3_000 if row.month.month == 7 else 0),
                               paid_on=row.due_date, booked_on=row.due_date)
    return person


def test_a_refund_is_decided_on_the_screen_with_its_account_encrypted_and_paid_by_transfer(client_as):
    person = overpaid_person()
    client = client_as(Role.HEAD_OFFICE_CLERK)
    page = client.get(f"/persons/{person.pk}/premiums/settlement/").content.decode()
    assert "2025年度（過納額 3,000円）" in page
    refund = {"kind": "refund", "source": "2025", "amount": "3000", "bank_code": "0001", "branch_code": "001",
              "account_type": "1", "account_number": "1234567", "account_holder": "やまだ　たろう", "reason": "過納金の還付"}
    asked = client.post(f"/persons/{person.pk}/premiums/settlement/", refund)  # the confirmation: nothing yet
    what = " ".join(asked.content.decode().split())
    assert asked.status_code == 200 and not Settlement.objects.exists()
    assert "3,000円" in what and "＊＊＊＊567" in what and "やまだ　たろう" not in what
    sent = client.post(f"/persons/{person.pk}/premiums/settlement/", {**refund, "confirm": "1"})
    assert sent.status_code == 302
    settlement = Settlement.objects.get()
    assert settlement.account_number == "1234567" and settlement.account_holder == "ﾔﾏﾀﾞ ﾀﾛｳ"
    assert b"1234567" not in bytes(settlement.account_number_ct)  # stored encrypted
    page = client.get(f"/persons/{person.pk}/premiums/settlement/").content.decode()
    assert "＊＊＊＊567" in page and "1234567" not in page and "振込待ち" in page
    logged = AccessLogEntry.objects.count()
    notice = client.get(f"/persons/{person.pk}/premiums/settlements/{settlement.pk}.pdf")
    assert notice.status_code == 200 and AccessLogEntry.objects.count() == logged + 1
    assert not PremiumNotice.objects.exists()

    download = client.post("/premiums/transfers/create/")
    assert download.status_code == 200
    data = download.content
    assert len(data) == 4 * 122 and b"1234567" in data
    line = BankTransferLine.objects.get()
    returned = bank_return(data, failures={line.pk: "1"})
    assert transfer_results(returned).transfers[0].result == "1"
    result = transfer_results_receive(actor=client.staff, data=returned)
    assert (result.done, result.failed) == (0, 1)
    assert BankTransferLine.objects.get().status == TransferStatus.FAILED
    # a file sent again changes nothing; nothing more waits
    assert transfer_results_receive(actor=client.staff, data=returned).failed == 0
    assert transfer_file_create(actor=client.staff, transfer_date=date(2026, 12, 10)) is None


def test_an_offset_is_decided_on_the_screen_and_its_notice_printed(client_as):
    person = overpaid_person()
    client = client_as(Role.HEAD_OFFICE_CLERK)
    sent = client.post(f"/persons/{person.pk}/premiums/settlement/", {
        "kind": "offset", "source": "2025", "amount": "3000", "target": f"{FY}:billing:{AUGUST.isoformat()}",
        "reason": "過納金の充当", "confirm": "1"})
    assert sent.status_code == 302
    settlement = Settlement.objects.get()
    assert settlement.offset_payment.month == AUGUST
    assert client.get(f"/persons/{person.pk}/premiums/settlements/{settlement.pk}.pdf").status_code == 200


def test_a_refunds_account_is_checked(make_staff):
    person = overpaid_person()
    with pytest.raises(PaymentInvalid, match="金融機関コード"):
        refund_decide(actor=make_staff(Role.HEAD_OFFICE_CLERK), resident_id=person.pk, fiscal_year=FY - 1, amount=1,
                      reason="", account=RefundAccount("9999", "001", "1", "1", "ﾔﾏﾀﾞ"))
    assert not Settlement.objects.exists()
