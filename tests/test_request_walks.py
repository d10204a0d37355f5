"""Walks over every URL of the project (issue 17 items 3 and 4; docs/subsystems/persons.md, "Ward
scope", and docs/subsystems/premium-notices.md, "Preview and issue").

**POST walk** (item 3): every URL pattern that accepts a POST is in ``POST_CASES`` (a write, with
the form data that makes it succeed for an allowed actor), in ``POSTS_THAT_NEVER_WRITE`` (a search
or a simulator sent by POST: no business write for anyone) or in ``SIGN_IN_POSTS`` (the staff
member's own sign-in: not business data); a new one fails ``test_every_post_url_is_walked`` until
it is added. Each write is sent as every role (``ROLE_HOME``: the ward-office roles at 中原区役所,
the head-office roles at 本庁) for a resident of 中原区 (their own ward) and one of 麻生区 (another
ward). The matrix it checks:

    allowed = the role holds the case's permission (kaigo.staff.roles.PERMISSIONS)
              and, for a person's data, the resident lives in a ward the office serves
              (a ward office: its own ward; the head office: every ward)

An allowed request must write (some business table gains, changes or loses a row) and not fail;
any other must write nothing at all — not even a row rolled back afterwards.

**GET walk** (item 4): every URL pattern, filled with real records of the world (a levied
resident with an issued and an unissued notice, a receipt, a refund, a card, a work item, a
batch run, a staff account, an alert), opened by GET as every role: no business table may change;
only the access log (and its seals) and the session may.

Writes are measured with ``pg_stat_xact_user_tables`` (n_tup_ins + n_tup_upd + n_tup_del by
table) before and after each request, inside the test's transaction: it also counts the rows of
a subtransaction rolled back, so a service that writes before refusing is caught too.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from eligibility.codes import CardKind, Ward
from eligibility.residents.scope import home_wards
from kaigo.staff.roles import Organisation, Role, has_permission
from tests.premiums.test_money import charging  # noqa: F401 (autouse: late charges on, for the 延滞金減免)
from tests.staff.helpers import satisfy_second_factor

pytestmark = pytest.mark.django_db

FY = 2026
OWN, OTHER = Ward.NAKAHARA, Ward.ASAO
# where each role sits in the walk: the counter's roles at a ward office, the others at the head office
ROLE_HOME = {
    Role.WARD_CLERK: Organisation.NAKAHARA,
    Role.CERTIFICATION_CLERK: Organisation.NAKAHARA,
    Role.INQUIRY: Organisation.NAKAHARA,
    Role.HEAD_OFFICE_CLERK: Organisation.HEAD_OFFICE,
    Role.SECTION_CHIEF: Organisation.HEAD_OFFICE,
    Role.AUDITOR: Organisation.HEAD_OFFICE,
    Role.OPERATOR: Organisation.HEAD_OFFICE,
}

# Tables a request may write without doing anything: the access log and the sign-in events with
# their seals and checkpoints (audit), and the session.
NOT_BUSINESS = ("audit_accesslogentry", "audit_accessseal", "audit_authevent", "audit_chaincheckpoint",
                "django_session")
# The one GET that writes the member's own sign-in state: the enrolment page of the second factor
# makes the unconfirmed device whose key its QR code shows (confirmed by the POST of a code).
SIGN_IN_GET_WRITES = {"/staff/second-factor/setup/": {"otp_totp_totpdevice"}}


def table_writes() -> Counter:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
        return Counter({name: count for name, count in cursor.fetchall() if count})


def business_writes(before: Counter, after: Counter) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after
            if after[name] != before[name] and name not in NOT_BUSINESS}


def all_url_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_url_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def signed_in(make_staff, role: Role, organisation=None) -> Client:
    staff = make_staff(role, organisation=organisation or ROLE_HOME[role])
    client = Client(raise_request_exception=False)  # a 500 is reported by the walk, not raised
    client.force_login(staff)
    satisfy_second_factor(client, staff)
    client.staff = staff
    return client


# --- the world ---------------------------------------------------------------------------------------


class World:
    """Fresh records made on demand (before the measured request), in the ward asked for."""

    def __init__(self, make_staff):
        self.make_staff = make_staff
        self.admin = make_staff(Role.HEAD_OFFICE_CLERK, Role.SECTION_CHIEF, Role.OPERATOR)
        self.clerk = make_staff(Role.WARD_CLERK)  # head office: takes applications in every ward
        self.requester = make_staff(Role.HEAD_OFFICE_CLERK)  # asks for accounts (staff.request)
        self._serial = itertools.count(1)

    def person(self, ward):
        from tests.eligibility.factories import make_elderly

        return make_elderly(ward=ward)

    def levied(self, ward, **tax):
        """A resident levied for the year: stage 4 by bills (7,200円 due 7/31, then 7,000円 a month),
        or what ``tax`` gives."""
        from premiums.levy.services import main_levy_chunk
        from premiums.models import Levy
        from tests.premiums.factories import make_tax_fact

        person = self.person(ward)
        make_tax_fact(person, FY, **(tax or {"household_taxed": True}))
        main_levy_chunk(fiscal_year=FY, lo=person.pk, hi=person.pk + 1)
        return person, Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)

    def overpaid(self, ward):
        """Levied, with the whole year and 3,000円 more paid at the counter on the first bill."""
        from premiums.collection.services import CounterPayment, payment_record_counter

        person, levy = self.levied(ward)
        payment_record_counter(actor=self.admin, resident_id=person.pk,
                               data=CounterPayment(FY, "billing", date(FY, 7, 1), levy.amount + 3_000,
                                                   date(FY, 7, 20), overpay_confirmed=True))
        return person, levy

    def reduction(self, ward, *, decided=False, person=None):
        from premiums.reductions.services import ReductionApplication, reduction_apply, reduction_decide

        person = person or self.levied(ward)[0]
        reduction = reduction_apply(actor=self.clerk, resident_id=person.pk, application=ReductionApplication(
            FY, "deferral", date(FY, 9, 1), date(FY, 10, 1), date(FY, 12, 1), ("income_proof",)))
        if decided:
            reduction_decide(actor=self.admin, reduction_id=reduction.pk, approve=True)
            reduction.refresh_from_db()
        return person, reduction

    def exemption(self, ward):
        from premiums.collection.models import LateChargeExemption

        person, _ = self.levied(ward, self_taxed=True, household_taxed=True, total_income=9_000_000)
        return LateChargeExemption.objects.create(resident=person, fiscal_year=FY, method="billing",
                                                  month=date(FY, 7, 1), reason="入院のため", applied_by=self.clerk)

    def refund_waiting(self, ward, person=None):
        from premiums.collection.services import RefundAccount, refund_decide

        person = person or self.overpaid(ward)[0]
        return refund_decide(actor=self.admin, resident_id=person.pk, fiscal_year=FY, amount=3_000, reason="過納",
                             account=RefundAccount("0001", "001", "1", "1234567", "ﾔﾏﾀﾞ ﾀﾛｳ"))

    def transfer_results(self, ward) -> bytes:
        from linkage.bank.simulator import bank_return
        from premiums.collection.models import BankTransferLine
        from premiums.collection.services import transfer_file_create

        self.refund_waiting(ward)
        created = transfer_file_create(actor=self.admin, transfer_date=timezone.localdate())
        return bank_return(created.data, failures={
            line.pk: "1" for line in BankTransferLine.objects.filter(file=created.file)})

    def work_item(self, ward):
        from tests.eligibility.test_work_queue import queued_past_move_out

        return queued_past_move_out(self.person(ward))

    def target_staff(self, organisation, **kwargs):
        return self.make_staff(Role.INQUIRY, organisation=organisation, **kwargs)

    def alert(self):
        from audit.models import AuditAlert

        return AuditAlert.objects.create(kind=AuditAlert.Kind.CHAIN_BROKEN, detail="試験",
                                         fingerprint=f"walk-{next(self._serial)}")

    def manual_move(self, ward):
        """A 国外転出 a week ago, entered by hand (not yet confirmed by the registry)."""
        from eligibility.intake.rules import MoveInput
        from eligibility.intake.services import manual_move_record

        person = self.person(ward)
        return manual_move_record(actor=self.clerk, resident_id=person.pk,
                                  move=MoveInput("abroad", timezone.localdate() - timedelta(days=7))).move

    def facility(self) -> str:
        """A facility of the master (その他, in this city), its code."""
        from eligibility.qualification.rules import FacilityInput
        from eligibility.qualification.services import facility_create

        code = f"FW{next(self._serial):08d}"
        facility_create(actor=self.admin, facility=FacilityInput(code, "試験施設", "other", "141305"))
        return code

    def held_payment(self, ward):
        """A payment of a payment file far beyond what the year owes, held (保留) for a decision."""
        from premiums.collection.models import HeldPayment
        from premiums.intake.payment_feed.format import LAYOUT, payment_number
        from premiums.intake.services import payment_file_receive
        from tests.premiums.test_bad_files import TODAY, payment_line

        person, levy = self.levied(ward)
        serial = f"W{next(self._serial)}"
        payment_file_receive(LAYOUT.file([payment_line(serial, payment_number(FY, levy.notice_number, 1),
                                                       999_999_999)]), file_name=f"{serial}.csv", today=TODAY)
        return HeldPayment.objects.get(resident=person)

    def certification_case(self, ward):
        """An open certification case applied 25 days ago, without a postponement notice (on the
        deadline dashboard's list of the week)."""
        from certification.cases.models import Case
        from certification.cases.services import case_number_next

        person = self.person(ward)
        applied_on = timezone.localdate() - timedelta(days=25)
        return Case.objects.create(number=case_number_next(applied_on), resident=person, ward=ward, kind="new",
                                   state="in_progress", applied_on=applied_on, received_by=self.admin)

    def rate_draft(self):
        """A draft rate table (copied from the seeded national standard) by another clerk, for years
        of its own (an approval must not meet another approved table's years)."""
        from premiums.models import PremiumRateTable
        from premiums.rates.services import rate_table_draft

        first = 2040 + 3 * next(self._serial)
        source = PremiumRateTable.objects.filter(created_by__isnull=True).order_by("valid_from").first()
        return rate_table_draft(actor=self.admin, valid_from=first, valid_to=first + 2, name=f"試案{first}",
                                from_table_id=source.pk)

    def account_request(self, kind="create"):
        """A request of a head-office clerk (not the chief who decides) to create an account."""
        from kaigo.staff.services import account_request_create

        return account_request_create(actor=self.requester, kind=kind, reason="採用",
                                      username=f"walk-new-{next(self._serial)}", display_name="新人",
                                      organisation=Organisation.NAKAHARA, role=Role.INQUIRY)

    def cert_case(self, ward, *, received=False, surveyed=False):
        """A new certification case of a made-up insured person of ``ward``; with ``received`` its
        opinion asked and received, with ``surveyed`` its survey's day set (the survey's package
        is another helper's)."""
        from certification.cases.models import Case
        from certification.cases.services import Application, case_open
        from certification.opinion.services import doctor_create, opinion_receive, opinion_request
        from tests.certification.factories import make_insured
        from tests.certification.test_opinion import receipt

        today = timezone.localdate()
        case = case_open(actor=self.admin, resident_id=make_insured(ward=ward).pk,
                         application=Application("new", today - timedelta(days=10)))
        if received:
            doctor = doctor_create(actor=self.admin, institution_code=f"14{case.pk:08d}", institution_name="試験病院",
                                   doctor_name="試験 医師")
            opinion = opinion_request(actor=self.admin, case_id=case.pk, doctor_id=doctor.pk,
                                      requested_on=case.applied_on)
            opinion_receive(actor=self.admin, opinion_id=opinion.pk, receipt=receipt(today))
        if surveyed:
            Case.objects.filter(pk=case.pk).update(surveyed_on=today - timedelta(days=5))
        return case

    def opinion(self, ward):
        """An opinion asked for a new case of ``ward``, not yet received."""
        from certification.opinion.services import doctor_create, opinion_request

        case = self.cert_case(ward)
        doctor = doctor_create(actor=self.admin, institution_code=f"13{case.pk:08d}", institution_name="試験病院",
                               doctor_name="試験 医師")
        return opinion_request(actor=self.admin, case_id=case.pk, doctor_id=doctor.pk,
                               requested_on=timezone.localdate())

    def survey_case(self, ward, *, assigned=True):
        """A new application of a resident of ``ward`` (taken by the head office), its survey asked of
        the city's own surveyors."""
        from certification.cases.services import Application, case_open
        from certification.survey.services import survey_assign
        from tests.certification.factories import make_insured
        from tests.certification.test_survey import city_body

        city_body()
        case = case_open(actor=self.admin, resident_id=make_insured(ward=ward).pk,
                         application=Application(kind="new", applied_on=timezone.localdate()))
        if assigned:
            survey_assign(actor=self.admin, case_id=case.pk, body_code="0000000000",
                          requested_on=timezone.localdate())
        return case
    def case(self, ward, *, person=None, days_ago: int = 0):
        """An open certification case (a new application, its form received), taken by the head office."""
        from certification.cases.services import Application, case_open

        person = person or self.person(ward)
        applied_on = timezone.localdate() - timedelta(days=days_ago)
        return case_open(actor=self.admin, resident_id=person.pk,
                         application=Application("new", applied_on, papers=("application",)))

    def failed_run(self):
        from kaigo.batches.models import BatchRun

        return BatchRun.objects.create(kind="demo.squares", params={"records": 10, "chunk_size": 10},
                                       origin=BatchRun.Origin.SCREEN, status=BatchRun.Status.FAILED)


def _card(world, ward, client):
    person = world.person(ward)
    return f"/persons/{person.pk}/qualification/cards/", {"kind": CardKind.INSURANCE_CARD, "reason": "request"}


def _notify(world, ward, client):
    from eligibility.codes import FacilityKind, municipality_code
    from eligibility.qualification.models import Facility

    Facility.objects.get_or_create(code="FX00000088", defaults={
        "name": "試験除外施設", "kind": FacilityKind.EXEMPTION, "municipality": municipality_code("14130")})
    person = world.person(ward)
    return (f"/persons/{person.pk}/qualification/notify/",
            {"kind": "exemption_in", "on": date.today().isoformat(), "facility": "FX00000088"})


def _queue(world, ward, client):
    return f"/eligibility/queue/{world.work_item(ward).pk}/", {"action": "dismiss", "confirm": "1"}


def _payment(world, ward, client):
    person, _ = world.levied(ward)
    return (f"/persons/{person.pk}/premiums/payment/",
            {"installments": f"{FY}:billing:{FY}-07-01", "amount": "7200", "paid_on": f"{FY}-07-20",
             "action": "record"})


def _exemption_apply(world, ward, client):
    person, _ = world.levied(ward, self_taxed=True, household_taxed=True, total_income=9_000_000)
    return (f"/persons/{person.pk}/premiums/late-charge-exemption/",
            {"installment": f"{FY}:billing:{FY}-07-01", "reason": "入院のため"})


def _settlement(world, ward, client):
    person, _ = world.overpaid(ward)
    return (f"/persons/{person.pk}/premiums/settlement/",
            {"kind": "refund", "source": str(FY), "amount": "3000", "bank_code": "0001", "branch_code": "001",
             "account_type": "1", "account_number": "1234567", "account_holder": "ヤマダ タロウ", "reason": "過納金",
             "confirm": "1"})


def _reduction_apply(world, ward, client):
    person, _ = world.levied(ward)
    return (f"/persons/{person.pk}/premiums/reduction/",
            {"fiscal_year": str(FY), "kind": "deferral", "applied_on": f"{FY}-09-01", "first_month": f"{FY}-10-01",
             "last_month": f"{FY}-12-01", "evidence": ["income_proof"]})


def _notice_issue(world, ward, client):
    person, levy = world.levied(ward)
    return f"/persons/{person.pk}/premiums/{levy.pk}/decision/issue/", {}


def _reduction_notice_issue(world, ward, client):
    person, reduction = world.reduction(ward, decided=True)
    return f"/persons/{person.pk}/premiums/reductions/{reduction.pk}/deferral/issue/", {}


def _reduction_decide(world, ward, client):
    _, reduction = world.reduction(ward)
    return "/premiums/reductions/", {"reduction": str(reduction.pk), f"reduction-{reduction.pk}-decision": "approve",
                                     "confirm": "1"}


def _deferral_end(world, ward, client):
    _, reduction = world.reduction(ward, decided=True)
    return "/premiums/reductions/", {"action": "end", "reduction": str(reduction.pk), "confirm": "1",
                                     f"deferral-{reduction.pk}-until": timezone.localdate().isoformat(),
                                     f"deferral-{reduction.pk}-reason": "資力の回復"}


def _exemption_decide(world, ward, client):
    return "/premiums/late-charge-exemptions/", {"exemption": str(world.exemption(ward).pk), "decision": "approve",
                                                 "reason": "入院の事実を確認", "confirm": "1"}


def _transfer_create(world, ward, client):
    world.refund_waiting(ward)
    return "/premiums/transfers/create/", {}


def _transfer_results(world, ward, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return "/premiums/transfers/results/", {"file": SimpleUploadedFile("kekka.txt", world.transfer_results(ward))}


def _move(world, ward, client):
    person = world.person(ward)
    return (f"/persons/{person.pk}/qualification/moves/",
            {"kind": "abroad", "moved_on": (timezone.localdate() - timedelta(days=7)).isoformat(), "confirmed": "on"})


def _move_cancel(world, ward, client):
    move = world.manual_move(ward)
    return f"/persons/{move.resident_id}/qualification/moves/{move.pk}/cancel/", {"reason": "入力誤り"}


def _facility_new(world, ward, client):
    return "/eligibility/facilities/new/", {"code": f"FN{next(world._serial):08d}", "name": "試験施設",
                                            "category": "other", "municipality": "141305"}


def _facility_edit(world, ward, client):
    return f"/eligibility/facilities/{world.facility()}/edit/", {"name": "試験施設（改称）", "category": "other",
                                                                 "municipality": "141305"}


def _facility_close(world, ward, client):
    return f"/eligibility/facilities/{world.facility()}/close/", {"closed_on": timezone.localdate().isoformat(),
                                                                  "reason": "閉所"}


def _held_payment(world, ward, client):
    return "/premiums/held-payments/", {"held": str(world.held_payment(ward).pk), "decision": "return",
                                        "reason": "返戻する"}


def _rate_new(world, ward, client):
    from premiums.models import PremiumRateTable

    first = 2040 + 3 * next(world._serial)
    source = PremiumRateTable.objects.filter(created_by__isnull=True).order_by("valid_from").first()
    return "/premiums/rates/new/", {"source": str(source.pk), "name": f"試案{first}", "valid_from": str(first),
                                    "valid_to": str(first + 2)}


def _rate_edit(world, ward, client):
    from tests.premiums.test_rate_table_screens import form_data

    draft = world.rate_draft()
    return f"/premiums/rates/{draft.pk}/edit/", form_data(draft, name=f"{draft.name}（改）")


def _rate_approve(world, ward, client):
    return f"/premiums/rates/{world.rate_draft().pk}/approve/", {"confirm": "on"}


def _account_request(world, ward, client):
    return "/staff/requests/new/", {"username": f"walk-asked-{next(world._serial)}", "display_name": "新人",
                                    "organisation": Organisation.NAKAHARA, "role": Role.INQUIRY, "reason": "採用"}


def _account_disable_request(world, ward, client):
    return "/staff/requests/disable/", {"username": world.target_staff(_office(ward)).username, "reason": "退職"}


def _account_decide(world, ward, client):
    return f"/staff/requests/{world.account_request().pk}/", {"decision": "approve", "confirm": "on"}


def _alert(world, ward, client):
    return f"/audit/alerts/{world.alert().pk}/acknowledge/", {}


def _survey_assign(world, ward, client):
    case = world.survey_case(ward, assigned=False)
    return f"/certification/cases/{case.pk}/survey/", {"action": "assign", "assign-body": "0000000000",
                                                       "assign-requested_on": timezone.localdate().isoformat()}


def _survey_appoint(world, ward, client):
    case = world.survey_case(ward)
    return f"/certification/cases/{case.pk}/survey/", {"action": "appoint", "appoint-place_kind": "home",
                                                       "appoint-on": timezone.localdate().isoformat()}


def _survey_enter(world, ward, client):
    case = world.survey_case(ward)
    return f"/certification/cases/{case.pk}/survey/", {"action": "enter", "entry-a1-3": "1",
                                                       "entry-surveyed_on": timezone.localdate().isoformat()}


def _survey_file(world, ward, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from certification.survey.format import LAYOUT
    from tests.certification.test_survey import survey_line

    case = world.survey_case(ward)
    return "/certification/survey-files/", {"file": SimpleUploadedFile(
        "chosa.csv", LAYOUT.file([survey_line(case.number, surveyed_on=timezone.localdate())]))}


def _batch_start(world, ward, client):
    return "/batches/start/", {"kind": "demo.squares", "records": "10", "chunk_size": "10"}


def _batch_resume(world, ward, client):
    return f"/batches/{world.failed_run().pk}/resume/", {}


def _office(ward):
    return Ward(ward).organisation


def _grant(world, ward, client):
    return f"/staff/{world.target_staff(_office(ward)).pk}/grant/", {
        "role": Role.AUDITOR, "reason": "監査の兼務", "effective_date": timezone.localdate().isoformat()}


def _revoke(world, ward, client):
    grant = world.target_staff(_office(ward)).role_grants.get()
    return f"/staff/grants/{grant.pk}/revoke/", {"reason": "兼務の終了",
                                                       "effective_date": timezone.localdate().isoformat()}


def _password_reset(world, ward, client):
    return f"/staff/{world.target_staff(_office(ward)).pk}/password-reset/", {}


def _unlock(world, ward, client):
    from axes.models import AccessAttempt

    target = world.target_staff(_office(ward))
    AccessAttempt.objects.create(username=target.username, ip_address="192.0.2.10", user_agent="walk",
                                 failures_since_start=5, get_data="", post_data="")
    return f"/staff/{target.pk}/unlock/", {}


def _second_factor_reset(world, ward, client):
    from tests.staff.helpers import add_device

    target = world.target_staff(_office(ward))
    add_device(target)
    return f"/staff/{target.pk}/second-factor-reset/", {}


def _opinion_request(world, ward, client):
    from certification.opinion.services import doctor_create

    case = world.cert_case(ward)
    doctor = doctor_create(actor=world.admin, institution_code=f"12{case.pk:08d}", institution_name="試験病院",
                           doctor_name="試験 医師")
    return (f"/certification/cases/{case.pk}/opinion/",
            {"action": "request", "doctor": str(doctor.pk), "requested_on": timezone.localdate().isoformat()})


def _opinion_receive(world, ward, client):
    opinion = world.opinion(ward)
    today = timezone.localdate().isoformat()
    return (f"/certification/cases/{opinion.case_id}/opinion/",
            {"action": "receive", "opinion": str(opinion.pk), "received_on": today, "written_on": today,
             "dementia_rank": "2a", "short_term_memory": "ok", "cognitive_ability": "some", "communication": "able",
             "eating": "self", "stability": "stable", "setting": "home", "continuing": "new"})


def _opinion_remind(world, ward, client):
    opinion = world.opinion(ward)
    return (f"/certification/cases/{opinion.case_id}/opinion/",
            {"action": "remind", "opinion": str(opinion.pk), "reminded_on": timezone.localdate().isoformat()})


def _opinion_cancel(world, ward, client):
    opinion = world.opinion(ward)
    return (f"/certification/cases/{opinion.case_id}/opinion/",
            {"action": "cancel", "opinion": str(opinion.pk), "on": timezone.localdate().isoformat(), "reason": "辞退"})


def _doctor_new(world, ward, client):
    return "/certification/opinions/doctors/", {"institution_code": f"11{next(world._serial):08d}",
                                                "institution_name": "試験医院", "doctor_name": "試験 医師"}


def _estimate(world, ward, client):
    case = world.cert_case(ward, received=True, surveyed=True)
    return f"/certification/cases/{case.pk}/assessment/", {"action": "estimate"}


def _result_import(world, ward, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.certification.test_assessment import result_file, result_line

    case = world.cert_case(ward, received=True, surveyed=True)
    return "/certification/assessment/exchange/", {
        "file": SimpleUploadedFile("kekka.csv", result_file(result_line(case.number)))}


def _password_change(world, ward, client):
    from tests.factories import TEST_PASSWORD

    new = f"a-new-walk-password-{next(world._serial)}-x"
    client.staff.set_password(TEST_PASSWORD)
    client.staff.save(update_fields=["password"])
    client.force_login(client.staff)  # a new password ends the session: sign in again
    satisfy_second_factor(client, client.staff)
    return "/staff/password/", {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new}


def _board_panel(world, ward, client):
    return "/certification/board/", {"action": "panel", "panel-name": f"歩行合議体{next(world._serial)}",
                                     "panel-size": "5"}


def _board_member(world, ward, client):
    return "/certification/board/", {"action": "member", "member-name": "委員 歩行", "member-field": "health",
                                     "member-profession": "保健師", "member-term_start": timezone.localdate().isoformat()}


def _board_session_new(world, ward, client):
    from tests.certification.board_world import board_panel

    panel, members = board_panel(world.admin)
    return "/certification/board/", {"action": "session", "session-panel": str(panel.pk),
                                     "session-held_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
                                     "session-place": "試験会議室", "session-attending": [str(m) for m in members[:3]]}


def _board_assign(world, ward, client):
    from tests.certification.board_world import assessed_case, board_session

    session = board_session(world.admin)
    case = assessed_case(world.admin, world.person(ward).pk)
    return f"/certification/board/sessions/{session.pk}/", {"action": "assign", "assign-case": str(case.pk)}


def _board_unassign(world, ward, client):
    from tests.certification.board_world import board_session, scheduled_case

    session = board_session(world.admin)
    case = scheduled_case(world.admin, world.person(ward).pk, session)
    return f"/certification/board/sessions/{session.pk}/", {"action": "unassign", "unassign-case": str(case.pk),
                                                            "unassign-reason": "申請の取下げ"}


def _board_move(world, ward, client):
    from tests.certification.board_world import board_session

    session = board_session(world.admin)
    return f"/certification/board/sessions/{session.pk}/", {
        "action": "move", "move-held_on": (timezone.localdate() + timedelta(days=21)).isoformat(),
        "move-reason": "会場の都合"}


# --- certification's decisions (certification/decisions) ---------------------------------------------


def _cert_case(world, ward, *, reviewed=False):
    """A case of a new insured person of ``ward`` awaiting its board (opinion received), or reviewed."""
    from certification.decisions.services import board_result_enter
    from tests.certification.factories import make_insured
    from tests.certification.test_decisions import entry, scheduled

    case = scheduled(world.admin, make_insured(ward=ward))
    if reviewed:
        board_result_enter(actor=world.admin, case_id=case.pk, entry=entry())
    return case


def _cert_review(world, ward, client):
    case = _cert_case(world, ward)
    return f"/certification/cases/{case.pk}/decision/", {
        "action": "review", "level": "22", "months": "6", "reviewed_on": timezone.localdate().isoformat(),
        "board_opinion": "試験の意見"}


def _cert_decide(world, ward, client):
    case = _cert_case(world, ward, reviewed=True)
    return f"/certification/cases/{case.pk}/decision/", {
        "action": "decide", "decided_on": timezone.localdate().isoformat(), "confirm": "1"}


def _cert_carry_over(world, ward, client):
    from certification.cases.services import Application, case_open, paper_receive
    from tests.certification.factories import make_insured

    today = timezone.localdate()
    person = make_insured(ward=ward, moved_in_on=today - timedelta(days=3))
    case = case_open(actor=world.admin, resident_id=person.pk, application=Application("carry_over", today))
    paper_receive(actor=world.admin, case_id=case.pk, kind="eligibility_certificate", received_on=today)
    return f"/certification/cases/{case.pk}/decision/", {
        "action": "carry_over", "level": "23", "certificate_valid_to": (today + timedelta(days=90)).isoformat(),
        "decided_on": today.isoformat()}


def _cert_notice(world, ward, client):
    from certification.decisions.services import decision_decide

    case = _cert_case(world, ward, reviewed=True)
    decision_decide(actor=world.admin, case_id=case.pk)
    return f"/certification/cases/{case.pk}/notices/result/", {}


def _cert_revoke(world, ward, client):
    from tests.certification.factories import make_certification, make_insured

    today = timezone.localdate()
    person = make_insured(ward=ward)
    cert = make_certification(person, valid_from=today - timedelta(days=30), valid_to=today + timedelta(days=150),
                              actor=world.admin)
    return f"/certification/persons/{person.pk}/certifications/{cert.pk}/revoke/", {
        "on": today.isoformat(), "reason": "試験の取消", "confirm": "1"}
def _case_new(world, ward, client):
    person = world.person(ward)
    return (f"/certification/persons/{person.pk}/new/",
            {"kind": "new", "applied_on": timezone.localdate().isoformat(), "applicant_kind": "self",
             "papers": ["application"]})


def _case_paper(world, ward, client):
    case = world.case(ward)
    return (f"/certification/cases/{case.pk}/",
            {"action": "paper", "paper-kind": "insurance_card", "paper-received_on": timezone.localdate().isoformat()})


def _case_paper_cancel(world, ward, client):
    case = world.case(ward)
    return (f"/certification/cases/{case.pk}/",
            {"action": "paper_cancel", "cancel-paper": str(case.papers.get().pk), "cancel-reason": "誤登録"})


def _case_postpone(world, ward, client):
    case = world.case(ward, days_ago=20)
    return (f"/certification/cases/{case.pk}/",
            {"action": "postpone", "postpone-on": timezone.localdate().isoformat(), "postpone-reason": "意見書の遅れ",
             "postpone-expected_by": (case.applied_on + timedelta(days=45)).isoformat()})


def _case_close(action):
    def prepare(world, ward, client):
        case = world.case(ward)
        return (f"/certification/cases/{case.pk}/",
                {"action": action, f"{action}-on": timezone.localdate().isoformat(), f"{action}-reason": "本人の申出",
                 "confirm": "1"})

    return prepare


# --- benefits: regional support (the basic checklist, 事業対象者) ------------------------------------


def _checklist_data(day: date) -> dict[str, str]:
    from benefits.rules.checklist import ASKED

    data = {f"cl-q{n}": "1" for n in ASKED}  # はい everywhere: No.16 and No.19 not 該当, ⑥ by No.18, No.20
    data.update({"cl-checked_on": day.isoformat(), "cl-place": "counter", "cl-height_cm": "155.0",
                 "cl-weight_kg": "50.0"})
    return data


def _regional_checklist(world, ward, *, decided=False):
    """A checklist of a new first-class person of ``ward`` that meets a criterion (entered by the head
    office's clerk); with ``decided``, the participant status decided from it."""
    from benefits.regional.services import ChecklistEntry, checklist_enter, participant_decide
    from benefits.rules.checklist import ASKED

    person = world.person(ward)
    checklist = checklist_enter(actor=world.admin, resident_id=person.pk, entry=ChecklistEntry(
        checked_on=timezone.localdate(), place="counter", answers={n: 1 for n in ASKED},
        height_cm=Decimal("155.0"), weight_kg=Decimal("50.0")))
    participant = participant_decide(actor=world.admin, checklist_id=checklist.pk) if decided else None
    return person, checklist, participant


def _checklist_enter(world, ward, client):
    return (f"/benefits/regional/persons/{world.person(ward).pk}/checklists/new/",
            _checklist_data(timezone.localdate()))


def _participant_decide(world, ward, client):
    person, checklist, _ = _regional_checklist(world, ward)
    return (f"/benefits/regional/persons/{person.pk}/checklists/{checklist.pk}/decide/", {
        "decide-confirmed_on": timezone.localdate().isoformat(), "confirm": "1"})


def _participant_end(world, ward, client):
    person, _, participant = _regional_checklist(world, ward, decided=True)
    return (f"/benefits/regional/persons/{person.pk}/participants/{participant.pk}/end/", {
        "end-on": timezone.localdate().isoformat(), "end-reason": "withdrawn", "confirm": "1"})
# --- facility cost limits (benefits/limits) --------------------------------------------------------


def _limit_application(world, ward):
    """A facility cost limit application of a new person of ``ward``, received today by the head office,
    with the person's tax facts of the year (so that a decision can be made)."""
    from benefits.limits.services import LimitEntry, limit_apply
    from benefits.rules.limits import tax_year_of, validity
    from tests.premiums.factories import make_tax_fact

    person = world.person(ward)
    today = timezone.localdate()
    make_tax_fact(person, tax_year_of(validity(today)[0]))
    return person, limit_apply(actor=world.admin, resident_id=person.pk, entry=LimitEntry(
        received_on=today, service="welfare", assets=1_000_000))


def _limit_apply(world, ward, client):
    return (f"/benefits/limits/persons/{world.person(ward).pk}/applications/new/", {
        "la-received_on": timezone.localdate().isoformat(), "la-service": "welfare", "la-assets": "1000000"})


def _limit_decide(world, ward, client):
    person, application = _limit_application(world, ward)
    return f"/benefits/limits/persons/{person.pk}/applications/{application.pk}/decide/", {"confirm": "1"}


# --- benefit restrictions (benefits/restrictions) -----------------------------------------------------


def _restriction_notice(world, ward, client):
    from tests.benefits.world import arrears_person

    person = arrears_person(ward, world.admin)
    return f"/benefits/restrictions/persons/{person.pk}/", {"measure": "payment_change", "confirm": "1"}


def _restriction(action, data, *, decided=False):
    def prepare(world, ward, client):
        from tests.benefits.world import noticed_restriction

        restriction = noticed_restriction(ward, world.admin, decided=decided)
        return f"/benefits/restrictions/{restriction.pk}/", {"action": action, **data}

    return prepare


def _restriction_notice_issue(world, ward, client):
    from tests.benefits.world import noticed_restriction

    restriction = noticed_restriction(ward, world.admin)
    return f"/benefits/restrictions/{restriction.pk}/notices/advance/", {}


# URL pattern -> (permission (None: every signed-in member; a tuple: each permission and Role held),
# limited to the resident's ward? ("head_office": only the head office, whatever the ward), prepare).
# A second write of the same URL is keyed "<pattern>#<what>" (the decisions screen also ends deferrals).
POST_CASES = {
    "persons/<int:resident_id>/qualification/cards/": ("card.issue", True, _card),
    "persons/<int:resident_id>/qualification/notify/": ("qualification.update", True, _notify),
    "eligibility/queue/<int:item_id>/": ("qualification.update", True, _queue),
    "persons/<int:resident_id>/premiums/payment/": ("premium.collect", True, _payment),
    "persons/<int:resident_id>/premiums/late-charge-exemption/": ("premium.collect", True, _exemption_apply),
    "persons/<int:resident_id>/premiums/settlement/": ("premium.settle", True, _settlement),
    "persons/<int:resident_id>/premiums/reduction/": ("premium.collect", True, _reduction_apply),
    "persons/<int:resident_id>/premiums/<int:levy_id>/<slug:kind>/issue/": ("premium.collect", True, _notice_issue),
    "persons/<int:resident_id>/premiums/reductions/<int:reduction_id>/<slug:kind>/issue/": (
        "premium.collect", True, _reduction_notice_issue),
    "premiums/reductions/": ("premium.reduction.decide", True, _reduction_decide),
    "premiums/reductions/#end": ("premium.reduction.decide", True, _deferral_end),
    "premiums/late-charge-exemptions/": ("premium.reduction.decide", True, _exemption_decide),
    # the head office's transfer files cover every ward: a ward office may not write them at all
    "premiums/transfers/create/": ("premium.settle", "head_office", _transfer_create),
    "premiums/transfers/results/": ("premium.settle", "head_office", _transfer_results),
    "persons/<int:resident_id>/qualification/moves/": ("qualification.update", True, _move),
    "persons/<int:resident_id>/qualification/moves/<int:move_id>/cancel/": ("qualification.update", True, _move_cancel),
    # the facility master serves every ward: the head office writes it, never a ward office
    "eligibility/facilities/new/": ("facility.manage", "head_office", _facility_new),
    "eligibility/facilities/<slug:code>/edit/": ("facility.manage", "head_office", _facility_edit),
    "eligibility/facilities/<slug:code>/close/": ("facility.manage", "head_office", _facility_close),
    "premiums/held-payments/": ("premium.settle", True, _held_payment),
    "premiums/rates/new/": ("premium.table.manage", False, _rate_new),
    "premiums/rates/<int:table_id>/edit/": ("premium.table.manage", False, _rate_edit),
    # the screen needs premium.table.manage, the service the section chief (four eyes: not the drafter)
    "premiums/rates/<int:table_id>/approve/": (("premium.table.manage", Role.SECTION_CHIEF), False, _rate_approve),
    "staff/requests/new/": ("staff.request", False, _account_request),
    "staff/requests/disable/": ("staff.request", False, _account_disable_request),
    "staff/requests/<int:request_id>/": ("staff.manage", False, _account_decide),
    "audit/alerts/<int:alert_id>/acknowledge/": ("audit.view", False, _alert),
    "certification/cases/<int:case_id>/survey/": ("certification.update", True, _survey_assign),
    "certification/cases/<int:case_id>/survey/#appoint": ("certification.update", True, _survey_appoint),
    "certification/cases/<int:case_id>/survey/#enter": ("certification.update", True, _survey_enter),
    # a contracted body's file covers every ward: the file is recorded for any holder of the permission,
    # a line of a case outside the actor's wards is refused (listed), never applied
    "certification/survey-files/": ("certification.update", False, _survey_file),
    "batches/start/": ("batch.operate", False, _batch_start),
    "batches/<int:run_id>/resume/": ("batch.operate", False, _batch_resume),
    "staff/<int:staff_id>/grant/": ("staff.manage", False, _grant),
    "staff/grants/<int:grant_id>/revoke/": ("staff.manage", False, _revoke),
    "staff/<int:staff_id>/password-reset/": ("staff.manage", False, _password_reset),
    "staff/<int:staff_id>/unlock/": ("staff.manage", False, _unlock),
    "staff/<int:staff_id>/second-factor-reset/": ("staff.manage", False, _second_factor_reset),
    "staff/password/": (None, False, _password_change),  # one's own password
    # the review board: its panels, members and sessions serve every ward; a case only its ward's clerks
    "certification/board/#panel": ("certification.board", False, _board_panel),
    "certification/board/#member": ("certification.board", False, _board_member),
    "certification/board/#session": ("certification.board", False, _board_session_new),
    "certification/board/sessions/<int:session_id>/#assign": ("certification.board", True, _board_assign),
    "certification/board/sessions/<int:session_id>/#unassign": ("certification.board", True, _board_unassign),
    "certification/board/sessions/<int:session_id>/#move": ("certification.board", False, _board_move),
    # certification: the doctor's opinion (request, receipt, reminder, cancellation) and the primary assessment
    "certification/cases/<int:case_id>/opinion/": ("certification.update", True, _opinion_request),
    "certification/cases/<int:case_id>/opinion/#receive": ("certification.update", True, _opinion_receive),
    "certification/cases/<int:case_id>/opinion/#remind": ("certification.update", True, _opinion_remind),
    "certification/cases/<int:case_id>/opinion/#cancel": ("certification.update", True, _opinion_cancel),
    # the master of doctors serves every ward (names no applicant)
    "certification/opinions/doctors/": ("certification.update", False, _doctor_new),
    "certification/cases/<int:case_id>/assessment/": ("certification.update", True, _estimate),
    # the result file is recorded for any clerk holding the role; its lines of another ward are listed as bad
    "certification/assessment/exchange/": ("certification.update", False, _result_import),
    "certification/cases/<int:case_id>/decision/": ("certification.decide", True, _cert_review),
    "certification/cases/<int:case_id>/decision/#decide": ("certification.decide", True, _cert_decide),
    "certification/cases/<int:case_id>/decision/#carry_over": ("certification.decide", True, _cert_carry_over),
    "certification/cases/<int:case_id>/notices/<slug:kind>/": ("certification.decide", True, _cert_notice),
    "certification/persons/<int:resident_id>/certifications/<int:certification_id>/revoke/": (
        "certification.decide", True, _cert_revoke),
    # certification: a new application, and the forms of a case's page (withdrawal and dismissal confirmed)
    "certification/persons/<int:resident_id>/new/": ("certification.update", True, _case_new),
    "certification/cases/<int:case_id>/#paper": ("certification.update", True, _case_paper),
    "certification/cases/<int:case_id>/#paper_cancel": ("certification.update", True, _case_paper_cancel),
    "certification/cases/<int:case_id>/#postpone": ("certification.update", True, _case_postpone),
    "certification/cases/<int:case_id>/#withdraw": ("certification.update", True, _case_close("withdraw")),
    "certification/cases/<int:case_id>/#dismiss": ("certification.decide", True, _case_close("dismiss")),
    # benefits: regional support (a ward clerk enters a checklist, a decider decides and ends the status)
    "benefits/regional/persons/<int:resident_id>/checklists/new/": ("benefit.update", True, _checklist_enter),
    "benefits/regional/persons/<int:resident_id>/checklists/<int:checklist_id>/decide/": (
        "benefit.decide", True, _participant_decide),
    "benefits/regional/persons/<int:resident_id>/participants/<int:participant_id>/end/": (
        "benefit.decide", True, _participant_end),
    # facility cost limits: a ward clerk takes the application, a decider decides it (confirmed)
    "benefits/limits/persons/<int:resident_id>/applications/new/": ("benefit.update", True, _limit_apply),
    "benefits/limits/persons/<int:resident_id>/applications/<int:application_id>/decide/": (
        "benefit.decide", True, _limit_decide),
    # benefit restrictions: the advance notice, the answer, the decision and lifting (confirmed), the notices
    "benefits/restrictions/persons/<int:resident_id>/": ("benefit.decide", True, _restriction_notice),
    "benefits/restrictions/<int:restriction_id>/#reply": ("benefit.decide", True, _restriction(
        "reply", {"received_on": date.today().isoformat(), "note": "入院していた"})),
    "benefits/restrictions/<int:restriction_id>/#decide": ("benefit.decide", True, _restriction(
        "decide", {"decided_on": date.today().isoformat(), "confirm": "1"})),
    "benefits/restrictions/<int:restriction_id>/#withdraw": ("benefit.decide", True, _restriction(
        "withdraw", {"reason": "予告後に完納"})),
    "benefits/restrictions/<int:restriction_id>/#lift": ("benefit.decide", True, _restriction(
        "lift", {"lifted_on": date.today().isoformat(), "reason": "著しく減少", "confirm": "1"}, decided=True)),
    "benefits/restrictions/<int:restriction_id>/notices/<slug:kind>/": ("benefit.decide", True,
                                                                         _restriction_notice_issue),
}
# POSTs that never write business data, for anyone: (path, data). Besides the searches and the
# simulator sent by POST, the screens that take any method and only read (no method decorator).
POSTS_THAT_NEVER_WRITE = {
    "": lambda world: ("/", {}),
    "system/": lambda world: ("/system/", {}),
    "batches/": lambda world: ("/batches/", {}),
    "batches/<int:run_id>/": lambda world: (f"/batches/{world.failed_run().pk}/", {}),
    "persons/<int:resident_id>/": lambda world: (f"/persons/{world.person(OWN).pk}/", {}),
    "staff/": lambda world: ("/staff/", {}),
    "staff/requests/": lambda world: ("/staff/requests/", {}),
    "staff/<int:staff_id>/": lambda world: (f"/staff/{world.target_staff(Organisation.NAKAHARA).pk}/", {}),
    "persons/": lambda world: ("/persons/", {"kana_name": "シケン タロウ"}),
    "premiums/simulator/": lambda world: ("/premiums/simulator/", {
        "fiscal_year": str(FY), "birth_date": "1950-01-01", "self_taxed": "on", "household_taxed": "on",
        "total_income": "3000000", "pension_income": "1000000"}),
}
# the member's own sign-in (the session, the second factor's device): not business data
SIGN_IN_POSTS = {"login/", "logout/", "staff/second-factor/", "staff/second-factor/setup/"}


def _fill(pattern: str) -> str:
    """A path of the pattern with any number and slug (enough to see whether it takes a POST)."""
    return "/" + re.sub(r"<slug:\w+>", "decision", re.sub(r"<int:\w+>", "1", pattern))


def test_every_post_url_is_walked(make_staff):
    """Every URL pattern that does not refuse a POST (405) is one of the walk's cases."""
    staff = make_staff(*Role)  # every permission: no decorator refuses before the method is checked
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    satisfy_second_factor(client, staff)
    walked = {pattern.split("#")[0] for pattern in POST_CASES} | set(POSTS_THAT_NEVER_WRITE) | SIGN_IN_POSTS
    unknown = []
    for pattern in sorted(set(all_url_patterns())):
        if pattern in walked:
            continue
        path = _fill(pattern)
        status = client.post(path).status_code if "<" not in path and "(?P" not in path else "cannot fill"
        if status != 405:
            unknown.append(f"{pattern} ({status})")
    assert not unknown, f"POST URLs the walk does not know (add a case to POST_CASES): {unknown}"


def _errors(response) -> str:
    """The form's error summary of a refused form, to say why an allowed write did not happen."""
    body = response.content.decode(errors="replace") if response.get("Content-Type", "").startswith("text") else ""
    return " ".join(re.findall(r'class="errors" role="alert"[^>]*>(.*?)</(?:span|div)>', body, re.DOTALL))[:300]


def _holds(staff, needed) -> bool:
    if isinstance(needed, Role):
        return needed in staff.active_roles
    return has_permission(staff, needed)


def _allowed(staff, permission, scope, ward) -> bool:
    needs = () if permission is None else permission if isinstance(permission, tuple) else (permission,)
    if not all(_holds(staff, needed) for needed in needs):
        return False
    if scope == "head_office":
        return staff.organisation == Organisation.HEAD_OFFICE
    return not scope or ward in home_wards(staff)


@pytest.mark.parametrize("role", list(Role))
def test_post_walk_no_write_succeeds_outside_role_and_ward(make_staff, role):
    world = World(make_staff)
    client = signed_in(make_staff, role)
    failures = []
    for pattern, (permission, scope, prepare) in POST_CASES.items():
        for ward in (OWN, OTHER):
            path, data = prepare(world, ward, client)
            before = table_writes()
            response = client.post(path, data)
            written = business_writes(before, table_writes())
            allowed = _allowed(client.staff, permission, scope, ward)
            where = f"{pattern} as {role.label} for a resident of {Ward(ward).label}"
            if allowed and (not written or response.status_code >= 400):
                failures.append(f"{where}: allowed but wrote nothing (status {response.status_code}, "
                                f"{response.get('Location', '')}{_errors(response)})")
            elif not allowed and written:
                failures.append(f"{where}: refused actor wrote {written} (status {response.status_code})")
    for pattern, prepare in POSTS_THAT_NEVER_WRITE.items():
        path, data = prepare(world)
        before = table_writes()
        client.post(path, data)
        written = business_writes(before, table_writes())
        if written:
            failures.append(f"{pattern} as {role.label}: a POST that must never write wrote {written}")
    assert not failures, "\n".join(failures)


# --- the GET walk ------------------------------------------------------------------------------------


def _get_world(make_staff) -> dict[str, object]:
    """Real records for every URL parameter, of a resident of 中原区."""
    from eligibility.cards.services import card_issue
    from premiums.collection.models import CounterReceipt
    from premiums.collection.services import counter_payment_record
    from premiums.notices.services import notice_issue

    world = World(make_staff)
    person, levy = world.overpaid(OWN)
    counter_payment_record(actor=world.admin, resident_id=person.pk, keys=[(FY, "billing", date(FY, 8, 1))],
                           amount=7_000, paid_on=date(FY, 8, 20))
    refund = world.refund_waiting(OWN, person=person)
    issued = notice_issue("decision", levy.pk, actor=world.admin).notice
    _, reduction = world.reduction(OWN, decided=True, person=person)
    card = card_issue(actor=world.admin, resident_id=person.pk, kind=CardKind.INSURANCE_CARD, reason="request")
    item = world.work_item(OWN)
    run = world.failed_run()
    grant = world.target_staff(Organisation.NAKAHARA).role_grants.get()
    move = world.manual_move(OWN)
    world.held_payment(OWN)  # a row on 保留中の収納
    world.certification_case(OWN)  # a row on the deadline dashboard (認定の締切管理)
    from certification.decisions.services import decision_decide
    from tests.certification.board_world import board_session, scheduled_case

    session = board_session(world.admin)
    scheduled_case(world.admin, world.person(OWN).pk, session)
    cert_case = _cert_case(world, OWN, reviewed=True)
    certification = decision_decide(actor=world.admin, case_id=cert_case.pk)
    survey_file = _survey_file_received(world)
    _benefit_record_file_received(world)
    world.case(OWN, person=person)  # an open certification case of the person
    _regional_checklist(world, OWN, decided=True)  # a checklist and a 事業対象者 (benefits' regional pages)
    from tests.benefits.world import noticed_restriction

    noticed_restriction(OWN, world.admin, decided=True)  # a benefit restriction (給付制限) in force
    _limit_application(world, OWN)  # a facility cost limit application (benefits' limits pages)
    return {
        "session_id": session.pk, "version": "committee",
        "case_id": cert_case.pk, "certification_id": certification.pk, "survey_file_id": survey_file,
        "move_id": move.pk, "code": world.facility(), "table_id": world.rate_draft().pk,
        "request_id": world.account_request().pk,
        "resident_id": person.pk, "levy_id": levy.pk, "reduction_id": reduction.pk, "notice_id": issued.pk,
        "receipt_id": CounterReceipt.objects.filter(resident=person).latest("pk").pk, "settlement_id": refund.pk,
        "issue_id": card.pk, "item_id": item.pk, "file_id": item.change.file_id, "run_id": run.pk,
        "staff_id": grant.staff_id, "grant_id": grant.pk, "alert_id": world.alert().pk,
        "kinds": {"premiums/<int:levy_id>/": ["decision", "payment_slip", "change", "pension_start"],
                  "reductions/": ["deferral"]},
    }


def _benefit_record_file_received(world) -> int:
    """A benefit-record file from the federation with a refused line (the head office's file page)."""
    from benefits.records.format import LAYOUT
    from benefits.records.services import records_file_receive

    line = "1,9900000001,1411000001,202610,11,1,1000,11.12,11120,90,10008,0,1112"  # a number never issued
    return records_file_receive(LAYOUT.file([line]), file_name="walk-kyufu.csv", month=date(2026, 11, 1),
                                actor=world.admin).file.pk


def _survey_file_received(world) -> int:
    from certification.survey.format import LAYOUT
    from certification.survey.services import survey_file_receive
    from tests.certification.test_survey import survey_line

    return survey_file_receive(LAYOUT.file([survey_line("2099-000001")]), file_name="walk.csv",
                               actor=world.admin).file.pk


def _get_paths(ids) -> list[str]:
    """Every URL pattern with its parameters filled: ``<int:resident_id>`` the world's person, every
    other integer parameter a record of the model it names (tests.screens.fill_pattern: the
    person's own where the model names residents, else the newest), ``<slug:code>`` the facility,
    ``<slug:kind>`` each kind of notice ``ids["kinds"]`` gives for the pattern, ``<slug:version>`` the
    board materials' version."""
    from tests.screens import all_url_patterns as patterns_and_views
    from tests.screens import fill_pattern, view_module

    values = {"resident_id": ids["resident_id"], "code": ids["code"], "version": ids["version"]}
    rows, paths = {}, []
    for pattern, entry in sorted(dict(patterns_and_views()).items()):
        path = fill_pattern(pattern, view_module(entry), values, rows)
        if "<slug:kind>" in path:
            kinds = next((k for key, k in ids["kinds"].items() if key in pattern), ["decision"])
            paths += [path.replace("<slug:kind>", kind) for kind in kinds]
        else:
            paths.append(path)
    return paths


@pytest.fixture(scope="module")
def get_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The GET walk's world (``_get_world``), made once for the module's tests that read it: every
    role walks the same records, as each did on a world of its own before. It is written inside a
    transaction of the module, rolled back after its last test; each test runs in a savepoint of it
    (pytest-django's TestCase), so what a test writes is undone before the next, as
    ``setUpTestData`` does. The function-scoped fixtures the world's services see in a test are
    set here too: fast password hashing, the audit heads in a file of its own (tests/conftest.py)
    and the late charges on (``charging``)."""
    from dataclasses import replace

    from django.db import transaction
    from django.test import override_settings

    from premiums.arrears import selectors
    from premiums.rules.arrears import LATE_CHARGE_RATES
    from tests.factories import StaffFactory

    def make_staff(*roles, **kwargs):
        return StaffFactory(roles=list(roles), **kwargs)

    heads = tmp_path_factory.mktemp("get-world") / "audit-heads.jsonl"
    rates = tuple(replace(r, first=r.first * 10, later=r.later * 10) for r in LATE_CHARGE_RATES)
    with (django_db_blocker.unblock(), pytest.MonkeyPatch.context() as monkeypatch,
          override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                            KAIGO_AUDIT_HEADS_PATH=str(heads), KAIGO_LATE_CHARGE_FROM=2024)):
        monkeypatch.setattr(selectors, "ASSUMED_ARREARS_PLAN", replace(selectors.ASSUMED_ARREARS_PLAN,
                                                                       late_charge_rates=rates))
        module_transaction = transaction.atomic()
        module_transaction._from_testcase = True  # a service's durable atomic block nests in it, as in TestCase's
        module_transaction.__enter__()
        try:
            ids = _get_world(make_staff)
            monkeypatch.undo()  # each test sets its own again (charging)
            yield ids
        finally:
            transaction.set_rollback(True)
            module_transaction.__exit__(None, None, None)


@pytest.mark.parametrize("role", list(Role))
def test_get_walk_no_get_changes_a_business_table(get_world, make_staff, role):
    ids = get_world
    client = signed_in(make_staff, role)
    paths = _get_paths(ids)
    unfilled = [p for p in paths if "<" in p or "(?P" in p]
    assert not unfilled, f"URL parameters the GET walk has no record for (add one to _get_world): {unfilled}"
    assert any(p.endswith("/decision.pdf") for p in paths) and any("/notices/" in p for p in paths)
    changed, opened = [], 0
    for path in paths:
        if path.startswith(("/logout", "/login")):
            continue
        before = table_writes()
        response = client.get(path)
        opened += response.status_code == 200
        written = {table: n for table, n in business_writes(before, table_writes()).items()
                   if table not in SIGN_IN_GET_WRITES.get(path, ())}
        if written:
            changed.append(f"GET {path} as {role.label} (status {response.status_code}) wrote {written}")
    assert not changed, "\n".join(changed)
    assert opened >= 3  # the walk reached pages, not only refusals


def test_get_walk_opens_the_notices_it_checks(get_world, make_staff):
    """An allowed clerk really gets the PDFs the GET walk checks (the walk would prove nothing on 403s)."""
    ids = get_world
    client = signed_in(make_staff, Role.HEAD_OFFICE_CLERK)
    pid = ids["resident_id"]
    for path in (f"/persons/{pid}/premiums/{ids['levy_id']}/decision.pdf",
                 f"/persons/{pid}/premiums/notices/{ids['notice_id']}.pdf",
                 f"/persons/{pid}/premiums/receipts/{ids['receipt_id']}.pdf",
                 f"/persons/{pid}/premiums/settlements/{ids['settlement_id']}.pdf",
                 f"/persons/{pid}/qualification/cards/{ids['issue_id']}.pdf"):
        response = client.get(path)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", path


def test_the_walk_would_see_a_get_that_writes(make_staff):
    """The measure itself: a write in the request's transaction shows, even one rolled back."""
    from django.db import transaction

    from premiums.models import PremiumNotice

    _, levy = World(make_staff).levied(OWN)
    before = table_writes()
    with pytest.raises(RuntimeError), transaction.atomic():
        PremiumNotice.objects.create(resident_id=levy.resident_id, fiscal_year=FY, kind="decision", levy=levy,
                                     issued_on=date.today() - timedelta(days=1))
        raise RuntimeError
    assert business_writes(before, table_writes()) == {"premiums_premiumnotice": 1}
