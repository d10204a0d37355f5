"""Benefit restrictions against real PostgreSQL: the facts read through premiums' selectors (bills
only, deferrals, write-offs), the workflow (advance notice, answer, decision by a named staff
member, lifting when paid by the daily check), the reduced-benefit period from real write-offs,
the card's 給付制限 box, the notices as PDF, the events, scope, and the screens."""

from __future__ import annotations

from datetime import date

import pytest

from audit.models import AccessLogEntry
from benefits.restrictions.facts import arrears_facts
from benefits.restrictions.models import ExcusedInstallment, Restriction, RestrictionEvent, RestrictionNotice
from benefits.restrictions.selectors import candidates, card_text, restrictions_summary_for
from benefits.restrictions.services import (
    RestrictionInvalid,
    notice_issue,
    reply_record,
    restriction_decide,
    restriction_lift,
    restriction_notice,
    restriction_withdraw,
    restrictions_check_paid,
)
from eligibility.cards.selectors import benefit_restriction
from kaigo.errors import NotPermitted
from kaigo.outbox.models import OutboxEvent
from kaigo.staff.roles import Organisation, Role
from premiums.arrears.selectors import open_bills_of, premium_years_of
from premiums.arrears.services import prescription_chunk
from premiums.levy.services import main_levy_chunk
from premiums.models import Payment, PaymentChannel, WriteOff
from tests.certification.factories import make_certification
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db
ALL = {"lo": 0, "hi": 10**12}


def levied(year=2024, **kwargs):
    """A first-class person with the 2024 bills: 70,200 yen, 第1期 7,200 due 2024-07-31, then
    7,000 a month (the 納期限 moved past weekends: 2024-09-02 ...)."""
    person = make_elderly(**kwargs)
    make_tax_fact(person, year, household_taxed=True)
    main_levy_chunk(fiscal_year=year, **ALL)
    return person


def certified(person, actor, valid_from=date(2025, 4, 1), valid_to=date(2027, 3, 31)):
    return make_certification(person, valid_from=valid_from, valid_to=valid_to, actor=actor)


def pay_all(person, on: date):
    for bill in open_bills_of(person.pk, today=date(2030, 1, 1)):
        Payment.objects.create(resident=person, fiscal_year=bill.fiscal_year, method="billing", month=bill.month,
                               channel=PaymentChannel.BANK, amount=bill.open, paid_on=on, booked_on=on)


@pytest.fixture
def decider(make_staff):
    return make_staff(Role.HEAD_OFFICE_CLERK)


def test_the_facts_come_from_premiums_bills_only(decider):
    person = levied()
    bills = open_bills_of(person.pk, today=date(2025, 8, 1))
    assert (bills[0].due_date, bills[0].open, len(bills)) == (date(2024, 7, 31), 7_200, 10)
    assert [(y.fiscal_year, y.levied, y.paid, y.prescribed) for y in premium_years_of(person.pk)] == [
        (2024, 70_200, 0, 0)]
    certified(person, decider)
    facts = arrears_facts(person.pk, date(2025, 8, 1))
    assert facts.certified and facts.finding.measures == ("payment_change",)
    assert facts.finding.oldest_due == date(2024, 7, 31) and facts.finding.overdue_one_year == 7_200
    # a person without bills (no levy, or pension deductions only: 特別徴収 is never arrears)
    assert arrears_facts(make_elderly().pk, date(2026, 1, 1)).finding.measures == ()


def test_payment_change_from_notice_to_decision_card_and_lifting_when_paid(decider):
    person = levied()
    certified(person, decider)

    restriction = restriction_notice(actor=decider, resident_id=person.pk, measure="payment_change",
                                     today=date(2025, 8, 1))
    assert (restriction.state, restriction.reply_by, restriction.arrears) == ("noticed", date(2025, 8, 15), 70_200)
    with pytest.raises(RestrictionInvalid) as early:
        restriction_decide(actor=decider, restriction_id=restriction.pk, decided_on=date(2025, 8, 15),
                           today=date(2025, 8, 15))
    assert "弁明書の提出期限（2025-08-15）が過ぎるまでは決定できません。" in early.value.problems

    decided = restriction_decide(actor=decider, restriction_id=restriction.pk, decided_on=date(2025, 8, 16),
                                 today=date(2025, 8, 16))
    assert (decided.state, decided.starts_on, decided.ends_on, decided.decided_by_id) == (
        "in_force", date(2025, 9, 1), None, decider.pk)
    assert card_text(person.pk, date(2025, 8, 20)) == "支払方法の変更（償還払い）　令和7年9月1日から"
    assert benefit_restriction(person.pk, date(2025, 8, 20)) == card_text(person.pk, date(2025, 8, 20))

    # nothing happens while something is still unpaid; paid in full: the daily check lifts it
    assert restrictions_check_paid(date(2025, 10, 1)) == {"lifted": 0, "withdrawn": 0}
    pay_all(person, date(2025, 10, 5))
    assert restrictions_check_paid(date(2025, 10, 6)) == {"lifted": 1, "withdrawn": 0}
    lifted = Restriction.objects.get(pk=restriction.pk)
    assert (lifted.state, lifted.closed_on, lifted.closed_by_id) == ("lifted", date(2025, 10, 6), None)
    assert card_text(person.pk, date(2025, 10, 7)) is None
    moves = list(RestrictionEvent.objects.filter(restriction=restriction).order_by("pk")
                 .values_list("action", "to_state", "actor_id"))
    assert moves == [("notice", "noticed", decider.pk), ("decide", "in_force", decider.pk),
                     ("lift", "lifted", None)]
    events = OutboxEvent.objects.filter(topic="benefits.restriction_changed", person_id=person.pk)
    assert sorted(e.payload["action"] for e in events) == ["decide", "lift", "notice"]
    assert all(set(e.payload) == {"restriction", "measure", "state", "action", "starts_on", "ends_on", "closed_on"}
               for e in events)

    for kind in ("advance", "decision", "lift"):
        issued, pdf = notice_issue(actor=decider, restriction_id=restriction.pk, kind=kind, today=date(2025, 10, 7))
        assert pdf.startswith(b"%PDF") and not issued.reprint
    again, _ = notice_issue(actor=decider, restriction_id=restriction.pk, kind="lift", today=date(2025, 10, 8))
    assert again.reprint and RestrictionNotice.objects.count() == 4


def test_refusals_list_every_problem_and_change_nothing(decider, make_staff):
    person = levied()
    with pytest.raises(RestrictionInvalid) as refused:
        restriction_notice(actor=decider, resident_id=person.pk, measure="suspension", today=date(2025, 8, 1))
    assert refused.value.problems == [
        "要介護・要支援の認定が有効でないため、給付制限の対象ではありません（法第66条第1項）。",
        "最も古い未納の納期限（2024-07-31）から1年6か月を経過していないため、保険給付の支払の一時差止の対象ではありません。",
    ]
    certified(person, decider)
    with pytest.raises(RestrictionInvalid):  # 2025-07-31 is the last day of the year: not yet
        restriction_notice(actor=decider, resident_id=person.pk, measure="payment_change", today=date(2025, 7, 31))
    with pytest.raises(RestrictionInvalid):  # nothing lapsed by prescription
        restriction_notice(actor=decider, resident_id=person.pk, measure="reduction", today=date(2025, 8, 1))
    ward_clerk = make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    with pytest.raises(NotPermitted):
        restriction_notice(actor=ward_clerk, resident_id=person.pk, measure="payment_change", today=date(2025, 8, 1))
    assert not Restriction.objects.exists()

    first = restriction_notice(actor=decider, resident_id=person.pk, measure="payment_change", today=date(2025, 8, 1))
    with pytest.raises(RestrictionInvalid) as twice:
        restriction_notice(actor=decider, resident_id=person.pk, measure="payment_change", today=date(2025, 8, 2))
    assert twice.value.problems == ["支払方法の変更（償還払い）はすでに予告済み又は実施中です。"]
    with pytest.raises(RestrictionInvalid):  # a reduction cannot be lifted; a noticed one neither
        restriction_lift(actor=decider, restriction_id=first.pk, lifted_on=date(2025, 8, 3), reason="完納",
                         today=date(2025, 8, 3))
    # paid before the decision: the decision is refused, the notice withdrawn by hand
    pay_all(person, date(2025, 8, 10))
    with pytest.raises(RestrictionInvalid) as paid:
        restriction_decide(actor=decider, restriction_id=first.pk, decided_on=date(2025, 8, 20), today=date(2025, 8, 20))
    assert "予告を取りやめてください。" in paid.value.message
    withdrawn = restriction_withdraw(actor=decider, restriction_id=first.pk, reason="予告後に完納",
                                     today=date(2025, 8, 20))
    assert withdrawn.state == "withdrawn" and withdrawn.closed_by_id == decider.pk


def test_an_answer_with_a_special_circumstance_excuses_the_installments_and_withdraws(decider):
    person = levied()
    certified(person, decider)
    restriction = restriction_notice(actor=decider, resident_id=person.pk, measure="payment_change",
                                     today=date(2025, 8, 1))
    assert [c.resident_id for c in candidates(today=date(2025, 8, 1), measure="payment_change")] == []
    kept = reply_record(actor=decider, restriction_id=restriction.pk, received_on=date(2025, 8, 5),
                        note="入院していた", today=date(2025, 8, 5))
    assert kept.state == "noticed" and kept.reply_on == date(2025, 8, 5)
    # an answer received and not accepted: the decision need not wait for the last day
    with pytest.raises(RestrictionInvalid) as bad:
        reply_record(actor=decider, restriction_id=restriction.pk, received_on=date(2025, 8, 9), note="",
                     circumstance="nonsense", today=date(2025, 8, 6))
    assert bad.value.problems == ["弁明の内容を入力してください。", "弁明書の受付日に未来の日付は入力できません。",
                                  "特別の事情の種類が正しくありません。"]
    accepted = reply_record(actor=decider, restriction_id=restriction.pk, received_on=date(2025, 8, 6),
                            note="災害による損害", circumstance="disaster", today=date(2025, 8, 6))
    assert accepted.state == "withdrawn"
    assert ExcusedInstallment.objects.filter(resident=person).count() == 10
    facts = arrears_facts(person.pk, date(2026, 3, 1))
    assert facts.finding.measures == () and facts.finding.oldest_due is None
    assert [c.resident_id for c in candidates(today=date(2026, 3, 1), measure="payment_change")] == []


def test_candidates_come_from_premiums_set_based(decider):
    late, recent = levied(), make_elderly()
    make_tax_fact(recent, 2025, household_taxed=True)
    main_levy_chunk(fiscal_year=2025, **ALL)
    found = candidates(today=date(2025, 8, 1), measure="payment_change")
    assert [(c.resident_id, c.oldest_due, c.since) for c in found] == [(late.pk, date(2024, 7, 31), date(2025, 8, 1))]
    assert candidates(today=date(2025, 7, 31), measure="payment_change") == []
    suspended = candidates(today=date(2026, 2, 1), measure="suspension")
    assert [c.resident_id for c in suspended] == [late.pk]


def test_the_reduction_period_from_real_write_offs(decider):
    person = levied()
    certified(person, decider, valid_from=date(2026, 4, 1), valid_to=date(2027, 3, 31))
    prescription_chunk(**ALL, today=date(2026, 9, 3))  # July (7,200) and August (7,000) lapse
    assert sorted(WriteOff.objects.values_list("amount", flat=True)) == [7_000, 7_200]
    facts = arrears_facts(person.pk, date(2026, 9, 10))
    assert set(facts.finding.measures) == {"payment_change", "suspension", "reduction"}
    assert [c.prescribed for c in candidates(today=date(2026, 9, 10), measure="reduction")] == [14_200]

    restriction = restriction_notice(actor=decider, resident_id=person.pk, measure="reduction", today=date(2026, 9, 10))
    with pytest.raises(RestrictionInvalid):  # time-barred premiums: no special circumstance withdraws it
        reply_record(actor=decider, restriction_id=restriction.pk, received_on=date(2026, 9, 11), note="病気",
                     circumstance="illness", today=date(2026, 9, 11))
    decided = restriction_decide(actor=decider, restriction_id=restriction.pk, decided_on=date(2026, 9, 25),
                                 today=date(2026, 9, 25))
    # X = 14,200 / 70,200, P = 0: X × X / X / 2 × 12 = 6X = 1.21 → 1 month, from the next month
    assert (decided.months, decided.starts_on, decided.ends_on) == (1, date(2026, 10, 1), date(2026, 10, 31))
    assert card_text(person.pk, date(2026, 10, 15)) == ("給付額の減額（給付率7割・3割負担の方は6割）　"
                                                        "令和8年10月1日から令和8年10月31日まで")
    assert card_text(person.pk, date(2026, 11, 1)) is None
    with pytest.raises(RestrictionInvalid):
        restriction_lift(actor=decider, restriction_id=restriction.pk, lifted_on=date(2026, 10, 2), reason="完納",
                         today=date(2026, 10, 2))
    pay_all(person, date(2026, 10, 3))
    assert restrictions_check_paid(date(2026, 10, 4)) == {"lifted": 0, "withdrawn": 0}  # never lifted by paying


def test_the_summary_for_the_benefit_tab_logs_once(decider, rf):
    person = levied()
    certified(person, decider, valid_from=date(2026, 4, 1), valid_to=date(2027, 3, 31))
    summary = restrictions_summary_for(actor=decider, request=None, resident=person, today=date(2026, 12, 1))
    assert summary.in_force == [] and summary.noticed == []
    assert summary.applicable == ("支払方法の変更（償還払い）", "保険給付の支払の一時差止")
    assert AccessLogEntry.objects.filter(person_ids=[person.pk], function="benefit.restrictions").count() == 1


def test_the_screens_list_confirm_and_decide(client_as):
    from tests.benefits.world import arrears_person, noticed_restriction

    client = client_as(Role.HEAD_OFFICE_CLERK)
    person = arrears_person("nakahara", client.staff)
    body = client.get("/benefits/restrictions/").content.decode()
    assert person.name_kanji in body and "要件に該当した日" in body
    entry = AccessLogEntry.objects.filter(function="benefit.restrictions.candidates").get()
    assert person.pk in entry.person_ids

    page = client.get(f"/benefits/restrictions/persons/{person.pk}/").content.decode()
    assert "支払方法の変更（償還払い）、保険給付の支払の一時差止" in page
    # the advance notice: confirmed first (nothing written), then recorded
    confirm = client.post(f"/benefits/restrictions/persons/{person.pk}/", {"measure": "payment_change"})
    assert "給付制限の予告" in confirm.content.decode() and not Restriction.objects.filter(resident=person).exists()
    done = client.post(f"/benefits/restrictions/persons/{person.pk}/", {"measure": "payment_change", "confirm": "1"})
    restriction = Restriction.objects.get(resident=person)
    assert done.status_code == 302 and done["Location"] == f"/benefits/restrictions/{restriction.pk}/"

    # too early to decide: the form's error, nothing decided
    refused = client.post(f"/benefits/restrictions/{restriction.pk}/",
                          {"action": "decide", "decided_on": date.today().isoformat(), "confirm": "1"})
    assert refused.status_code == 400 and "弁明書の提出期限" in refused.content.decode()
    assert Restriction.objects.get(pk=restriction.pk).state == "noticed"

    old = noticed_restriction("nakahara", client.staff)
    confirm = client.post(f"/benefits/restrictions/{old.pk}/", {"action": "decide", "decided_on": date.today().isoformat()})
    assert "給付制限の決定" in confirm.content.decode() and Restriction.objects.get(pk=old.pk).state == "noticed"
    client.post(f"/benefits/restrictions/{old.pk}/", {"action": "decide", "decided_on": date.today().isoformat(),
                                                      "confirm": "1"})
    assert Restriction.objects.get(pk=old.pk).state == "in_force"
    pdf = client.post(f"/benefits/restrictions/{old.pk}/notices/decision/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    ward = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    assert ward.get("/benefits/restrictions/").status_code == 403
    assert ward.get(f"/benefits/restrictions/{old.pk}/").status_code == 200  # benefit.view: the page, no forms


def test_the_printed_card_carries_the_restriction(decider):
    from eligibility.cards.models import CardIssue
    from eligibility.cards.selectors import card_render
    from eligibility.residents.models import InsuredNumber
    from tests.certification.test_decisions import _pdf_text

    person = levied()
    certified(person, decider)
    restriction = restriction_notice(actor=decider, resident_id=person.pk, measure="payment_change",
                                     today=date(2025, 8, 1))
    restriction_decide(actor=decider, restriction_id=restriction.pk, decided_on=date(2025, 8, 16),
                       today=date(2025, 8, 16))
    number = InsuredNumber.objects.filter(resident=person).values_list("number", flat=True).first() or "0000000001"
    card = CardIssue(pk=998, resident=person, kind="card", issued_on=date(2025, 9, 1), reason="request")
    text = _pdf_text(card_render(card, person, number))
    assert "支払方法の変更（償還払い）令和7年9月1日から" in text.replace("　", "")
    later = CardIssue(pk=999, resident=person, kind="card", issued_on=date(2025, 9, 1), reason="request")
    pay_all(person, date(2025, 9, 2))
    restrictions_check_paid(date(2025, 9, 3))
    assert "支払方法の変更" not in _pdf_text(card_render(later, person, number))
