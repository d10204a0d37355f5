"""Every write service checks role and ward itself (issue 17 item 3; docs/subsystems/persons.md,
"Ward scope"): an inventory of the public functions of every ``services`` module of the project.

- Each function that takes an ``actor`` is either in ``CHECKED`` (a call as an actor who must be
  refused, expecting NotPermitted: one holding every role at another ward's office for the
  services of a person's data, one holding no role that writes for every service) or in
  ``NOT_STAFF_WRITES`` with the reason it writes no business data for a staff member.
- Each function without an ``actor`` must be in ``SYSTEM`` (batches, pure helpers, reads: what acts
  for the city, never for a staff member), and no view imports one of these writes.

A new service fails here until it is classified: add its refusal to ``CHECKED`` (and the check
to the service) or its reason to the other lists.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from eligibility.codes import CardKind, Ward
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role

ROOT = Path(__file__).resolve().parent.parent
APPS = ("kaigo", "audit", "eligibility", "premiums", "certification", "benefits", "linkage")
FY = 2026


def S(path: str):
    """The service function at ``path`` (module.function), imported when called."""
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def service_modules() -> list[str]:
    names = []
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, app + "."):
            if module.name.rsplit(".", 1)[-1] == "services":
                names.append(module.name)
    return sorted(names)


def service_functions() -> dict[str, object]:
    found = {}
    for name in service_modules():
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if not attr.startswith("_") and inspect.isfunction(obj) and obj.__module__ == name:
                found[f"{name}.{attr}"] = obj
    return found


def takes_actor(function) -> bool:
    return "actor" in inspect.signature(function).parameters


# --- the world the refusals are tried against --------------------------------------------------------


class World:
    """A resident of 中原区 levied for the year, with what the services need to find."""

    def __init__(self, make_staff):
        from tests.eligibility.factories import make_elderly

        self.make_staff = make_staff
        self.person = make_elderly(ward=Ward.NAKAHARA)
        self.clerk = make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
        self.chief = make_staff(Role.SECTION_CHIEF)
        self._levy = None

    @property
    def levy(self):
        """The person's levy of the year (stage 4, by bills), made when first asked for."""
        from premiums.levy.services import main_levy_chunk
        from premiums.models import Levy
        from tests.premiums.factories import make_tax_fact

        if self._levy is None:
            make_tax_fact(self.person, FY, household_taxed=True)
            main_levy_chunk(fiscal_year=FY, lo=self.person.pk, hi=self.person.pk + 1)
            self._levy = Levy.objects.get(resident=self.person, fiscal_year=FY, recorded_to__isnull=True)
        return self._levy

    def reduction(self, decided: bool = False):
        from premiums.reductions.services import ReductionApplication, reduction_apply, reduction_decide

        assert self.levy
        reduction = reduction_apply(actor=self.clerk, resident_id=self.person.pk, application=ReductionApplication(
            FY, "deferral", date(2026, 9, 1), date(2026, 10, 1), date(2026, 12, 1), ("income_proof",)))
        if decided:
            reduction_decide(actor=self.chief, reduction_id=reduction.pk, approve=True)
            reduction.refresh_from_db()
        return reduction

    def exemption(self):
        from premiums.collection.models import LateChargeExemption

        return LateChargeExemption.objects.create(resident=self.person, fiscal_year=FY, method="billing",
                                                  month=date(2026, 7, 1), reason="災害", applied_by=self.clerk)

    def work_item(self):
        from tests.eligibility.test_work_queue import queued_past_move_out

        return queued_past_move_out(self.person)

    def manual_move(self):
        """A 国外転出 of the person entered by hand a week ago by the clerk of 中原区役所."""
        from eligibility.intake.services import manual_move_record

        return manual_move_record(actor=self.clerk, resident_id=self.person.pk, move=_move(self)).move

    def checklist_entry(self):
        """A basic checklist of the person meeting a criterion (はい to every question asked)."""
        from decimal import Decimal

        from benefits.regional.services import ChecklistEntry
        from benefits.rules.checklist import ASKED

        return ChecklistEntry(checked_on=date.today(), place="counter", answers={n: 1 for n in ASKED},
                              height_cm=Decimal("155.0"), weight_kg=Decimal("50.0"))

    def checklist(self):
        from benefits.regional.services import checklist_enter

        return checklist_enter(actor=self.clerk, resident_id=self.person.pk, entry=self.checklist_entry())

    def participant(self):
        from benefits.regional.services import participant_decide

        return participant_decide(actor=self.chief, checklist_id=self.checklist().pk)

    def limit_application(self):
        """A facility cost limit application of the person received today by the clerk of 中原区役所."""
        from benefits.limits.services import LimitEntry, limit_apply

        return limit_apply(actor=self.clerk, resident_id=self.person.pk, entry=LimitEntry(
            received_on=date.today(), service="welfare", assets=0))

    def held_payment(self):
        """A payment of the file far beyond what the year owes, held (保留) for a clerk's decision."""
        from premiums.collection.models import HeldPayment
        from premiums.intake.payment_feed.format import LAYOUT, payment_number
        from premiums.intake.services import payment_file_receive
        from tests.premiums.test_bad_files import TODAY, payment_line

        payment_file_receive(LAYOUT.file([payment_line("W1", payment_number(FY, self.levy.notice_number, 1),
                                                       999_999_999)]), file_name="w.csv", today=TODAY)
        return HeldPayment.objects.get(resident=self.person)

    def board(self, *, assigned: bool = False):
        """A board session a week ahead and a case of the person (assessed, or assigned to it)."""
        from tests.certification.board_world import assessed_case, board_session, scheduled_case

        head = self.make_staff(Role.HEAD_OFFICE_CLERK)
        session = board_session(head)
        case = (scheduled_case if assigned else lambda a, r, s: assessed_case(a, r))(head, self.person.pk, session)
        return session, case

    def survey_case(self, assigned: bool = True):
        """A new application of the person (taken by the clerk), its survey asked of the city."""
        from certification.cases.services import Application, case_open
        from certification.survey.services import survey_assign
        from tests.certification.factories import make_insured
        from tests.certification.test_survey import city_body

        city_body()
        certification_clerk = self.make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
        case = case_open(actor=certification_clerk, resident_id=make_insured(ward=Ward.NAKAHARA).pk,
                         application=Application(kind="new", applied_on=date.today()))
        if assigned:
            survey_assign(actor=certification_clerk, case_id=case.pk, body_code="0000000000",
                          requested_on=date.today())
        return case

    def case(self):
        """A new application for certification of the person, taken by 中原区's certification clerk."""
        from certification.cases.services import Application, case_open

        return case_open(actor=self.make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA),
                         resident_id=self.person.pk, application=Application(kind="new", applied_on=date.today()))

    def cert_case(self):
        """A new application of a made-up insured person of 中原区, taken by a certification clerk there."""
        from certification.cases.services import Application, case_open
        from tests.certification.factories import make_insured

        clerk = self.make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
        return case_open(actor=clerk, resident_id=make_insured(ward=Ward.NAKAHARA).pk,
                         application=Application("new", date.today()))

    def opinion(self):
        """An opinion asked for a new case of 中原区, not yet received."""
        from certification.opinion.services import opinion_request
        from tests.certification.test_opinion import make_doctor

        case = self.cert_case()
        clerk = self.make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
        return opinion_request(actor=clerk, case_id=case.pk, doctor_id=make_doctor(clerk, code=f"14{case.pk:08d}").pk,
                               requested_on=date.today())

    def board_case(self, reviewed=False):
        """A certification case of a new insured person of 中原区 awaiting its board (or reviewed)."""
        from certification.decisions.services import board_result_enter
        from tests.certification.factories import make_insured
        from tests.certification.test_decisions import entry, scheduled

        head = self.make_staff(Role.HEAD_OFFICE_CLERK)
        case = scheduled(head, make_insured(ward=Ward.NAKAHARA))
        if reviewed:
            board_result_enter(actor=head, case_id=case.pk, entry=entry())
        return case

    def certification(self):
        from tests.certification.factories import make_certification, make_insured

        return make_certification(make_insured(ward=Ward.NAKAHARA), valid_from=date.today(),
                                  valid_to=date.today() + timedelta(days=100),
                                  actor=self.make_staff(Role.HEAD_OFFICE_CLERK))

    def arrears_person(self):
        """A certified person of 中原区 with the 2024 bills unpaid (payment change due)."""
        from tests.benefits.world import arrears_person

        return arrears_person(Ward.NAKAHARA, self.make_staff(Role.HEAD_OFFICE_CLERK))

    def restriction(self, decided=False):
        from tests.benefits.world import noticed_restriction

        return noticed_restriction(Ward.NAKAHARA, self.make_staff(Role.HEAD_OFFICE_CLERK), decided=decided)

    def account_request(self):
        """A request to create an account, made by a head-office clerk (not the chief who decides)."""
        from kaigo.staff.services import account_request_create

        return account_request_create(actor=self.make_staff(Role.HEAD_OFFICE_CLERK), kind="create", reason="採用",
                                      username="walk-newcomer", display_name="新人", role=Role.INQUIRY,
                                      organisation=Organisation.NAKAHARA)


def _resident_input(w):
    from eligibility.residents.services import ResidentInput

    return ResidentInput("試験 太郎", "シケン タロウ", "1", date(1950, 1, 1), Ward.NAKAHARA, "神奈川県川崎市中原区1-1")


def _notification(w):
    from eligibility.qualification.rules import Notification, NotificationKind

    return Notification(NotificationKind.values[0], date.today())


def _move(w):
    from datetime import timedelta

    from eligibility.intake.rules import MoveInput

    return MoveInput("abroad", date.today() - timedelta(days=7))


def _facility(w):
    from eligibility.qualification.rules import FacilityInput

    return FacilityInput("FW00000001", "試験施設", "other", "141305")

# name -> (scoped to the resident's ward?, the call). ``a`` is the actor who must be refused.
CHECKED = {
    # eligibility
    "eligibility.cards.services.card_issue": (True, lambda w, a: S("eligibility.cards.services.card_issue")(
        actor=a, resident_id=w.person.pk, kind=CardKind.INSURANCE_CARD, reason="紛失")),
    "eligibility.intake.services.work_item_resolve": (True, lambda w, a: S("eligibility.intake.services.work_item_resolve")(
        actor=a, item_id=w.work_item().pk, action="dismiss")),
    "eligibility.intake.services.registry_file_receive": (False, lambda w, a: S("eligibility.intake.services.registry_file_receive")(
        b"x", file_name="x.csv", business_date=date.today(), actor=a)),
    "eligibility.intake.services.registry_file_receive_and_start": (False, lambda w, a: S("eligibility.intake.services.registry_file_receive_and_start")(
        b"x", file_name="x.csv", business_date=date.today(), actor=a, origin="screen")),
    "eligibility.qualification.services.notification_register": (True, lambda w, a: S("eligibility.qualification.services.notification_register")(
        actor=a, resident_id=w.person.pk, notification=_notification(w))),
    "eligibility.qualification.services.second_class_for_certification": (True, lambda w, a: S(
        "eligibility.qualification.services.second_class_for_certification")(
        actor=a, resident_id=w.person.pk, applied_on=date.today())),
    "certification.cases.services.case_open": (True, lambda w, a: S("certification.cases.services.case_open")(
        actor=a, resident_id=w.person.pk, application=S("certification.cases.services.Application")(
            kind="new", applied_on=date.today()))),
    **{f"certification.cases.services.{name}": (True, lambda w, a, name=name, kw=kw: S(
        f"certification.cases.services.{name}")(actor=a, case_id=w.case().pk, **kw)) for name, kw in {
        "case_withdraw": {"on": date.today(), "reason": "x"},
        "case_dismiss": {"on": date.today(), "reason": "x"},
        "case_postpone": {"on": date.today(), "reason": "x", "expected_by": date.today()},
        "paper_receive": {"kind": "opinion", "received_on": date.today()},
    }.items()},
    "certification.cases.services.paper_cancel": (True, lambda w, a: S("certification.cases.services.paper_cancel")(
        actor=a, paper_id=S("certification.cases.services.paper_receive")(
            actor=w.make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA), case_id=w.case().pk,
            kind="opinion", received_on=date.today()).pk, reason="x")),
    "eligibility.intake.services.move_effect": (True, lambda w, a: S("eligibility.intake.services.move_effect")(
        actor=a, resident_id=w.person.pk, move=_move(w))),
    "eligibility.intake.services.manual_move_record": (True, lambda w, a: S("eligibility.intake.services.manual_move_record")(
        actor=a, resident_id=w.person.pk, move=_move(w))),
    "eligibility.intake.services.manual_move_cancel": (True, lambda w, a: S("eligibility.intake.services.manual_move_cancel")(
        actor=a, move_id=w.manual_move().pk, reason="入力誤り")),
    # the facility master serves every ward: "scoped" here is the head office only (a ward office is refused)
    "eligibility.qualification.services.facility_create": (True, lambda w, a: S("eligibility.qualification.services.facility_create")(
        actor=a, facility=_facility(w))),
    "eligibility.qualification.services.facility_update": (True, lambda w, a: S("eligibility.qualification.services.facility_update")(
        actor=a, facility=_facility(w))),
    "eligibility.qualification.services.facility_close": (True, lambda w, a: S("eligibility.qualification.services.facility_close")(
        actor=a, code="FW00000001", closed_on=date.today(), reason="閉所")),
    "eligibility.residents.services.resident_create": (True, lambda w, a: S("eligibility.residents.services.resident_create")(data=_resident_input(w), actor=a)),
    # certification (decisions)
    "certification.decisions.services.board_result_enter": (True, lambda w, a: S("certification.decisions.services.board_result_enter")(
        actor=a, case_id=w.board_case().pk, entry=S("tests.certification.test_decisions.entry")())),
    "certification.decisions.services.decision_decide": (True, lambda w, a: S("certification.decisions.services.decision_decide")(
        actor=a, case_id=w.board_case(reviewed=True).pk)),
    "certification.decisions.services.carry_over_decide": (True, lambda w, a: S("certification.decisions.services.carry_over_decide")(
        actor=a, case_id=w.board_case().pk, entry=S("certification.decisions.services.CarryOverEntry")("23", None))),
    "certification.decisions.services.certification_revoke": (True, lambda w, a: S("certification.decisions.services.certification_revoke")(
        actor=a, certification_id=w.certification().pk, on=date.today(), reason="取消")),
    "certification.decisions.services.notice_issue": (True, lambda w, a: S("certification.decisions.services.notice_issue")(
        actor=a, case_id=w.board_case().pk, kind="result")),
    # benefits (regional support)
    "benefits.regional.services.checklist_enter": (True, lambda w, a: S("benefits.regional.services.checklist_enter")(
        actor=a, resident_id=w.person.pk, entry=w.checklist_entry())),
    "benefits.regional.services.participant_decide": (True, lambda w, a: S("benefits.regional.services.participant_decide")(
        actor=a, checklist_id=w.checklist().pk)),
    "benefits.regional.services.participant_end": (True, lambda w, a: S("benefits.regional.services.participant_end")(
        actor=a, participant_id=w.participant().pk, on=date.today(), reason="withdrawn")),
    "benefits.regional.services.enrolment_create": (True, lambda w, a: S("benefits.regional.services.enrolment_create")(
        actor=a, resident_id=w.participant().resident_id, service_code="A61111", start=date.today())),
    "benefits.regional.services.usage_month_record": (False, lambda w, a: S("benefits.regional.services.usage_month_record")(
        actor=a, month=date.today().replace(day=1), lines=[])),
    # benefits (facility cost limits: the application received, its decision)
    "benefits.limits.services.limit_apply": (True, lambda w, a: S("benefits.limits.services.limit_apply")(
        actor=a, resident_id=w.person.pk, entry=S("benefits.limits.services.LimitEntry")(
            received_on=date.today(), service="welfare", assets=0))),
    "benefits.limits.services.limit_decide": (True, lambda w, a: S("benefits.limits.services.limit_decide")(
        actor=a, application_id=w.limit_application().pk)),
    # benefits (restrictions for premium arrears)
    "benefits.restrictions.services.restriction_notice": (True, lambda w, a: S("benefits.restrictions.services.restriction_notice")(
        actor=a, resident_id=w.arrears_person().pk, measure="payment_change")),
    "benefits.restrictions.services.reply_record": (True, lambda w, a: S("benefits.restrictions.services.reply_record")(
        actor=a, restriction_id=w.restriction().pk, received_on=date.today(), note="弁明")),
    "benefits.restrictions.services.restriction_decide": (True, lambda w, a: S("benefits.restrictions.services.restriction_decide")(
        actor=a, restriction_id=w.restriction().pk)),
    "benefits.restrictions.services.restriction_withdraw": (True, lambda w, a: S("benefits.restrictions.services.restriction_withdraw")(
        actor=a, restriction_id=w.restriction().pk, reason="完納")),
    "benefits.restrictions.services.restriction_lift": (True, lambda w, a: S("benefits.restrictions.services.restriction_lift")(
        actor=a, restriction_id=w.restriction(decided=True).pk, lifted_on=date.today(), reason="完納")),
    "benefits.restrictions.services.notice_issue": (True, lambda w, a: S("benefits.restrictions.services.notice_issue")(
        actor=a, restriction_id=w.restriction().pk, kind="advance")),
    # benefits (the high-cost refund: a person's first application; the month's decision is the city's)
    "benefits.refunds.services.high_cost_application_receive": (True, lambda w, a: S("benefits.refunds.services.high_cost_application_receive")(
        actor=a, resident_id=w.person.pk, received_on=date.today(), first_month=date.today().replace(day=1))),
    "benefits.refunds.services.high_cost_decide": (False, lambda w, a: S("benefits.refunds.services.high_cost_decide")(
        actor=a, month=date.today().replace(day=1))),
    # benefits (the ratio's certificates: a city-wide print, not one person's data)
    "benefits.ratio.services.certificates_print": (False, lambda w, a: S("benefits.ratio.services.certificates_print")(
        actor=a)),
    # core
    "kaigo.batches.services.batch_start": (False, lambda w, a: S("kaigo.batches.services.batch_start")(
        kind="demo.squares", params={"records": "10", "chunk_size": "10"}, actor=a, origin="screen")),
    "kaigo.batches.services.batch_run_here": (False, lambda w, a: S("kaigo.batches.services.batch_run_here")(
        kind="demo.squares", params={"records": "10", "chunk_size": "10"}, actor=a, origin="screen")),
    "kaigo.batches.services.batch_resume": (False, lambda w, a: S("kaigo.batches.services.batch_resume")(run_id=1, actor=a)),
    "kaigo.staff.services.staff_create": (False, lambda w, a: S("kaigo.staff.services.staff_create")(
        username="newcomer", display_name="新人", organisation=Organisation.NAKAHARA, roles=[Role.WARD_CLERK],
        password="a-temporary-password-1", actor=a, reason="採用")),
    "kaigo.staff.services.role_grant": (False, lambda w, a: S("kaigo.staff.services.role_grant")(
        staff=w.clerk, role=Role.INQUIRY, actor=a, reason="兼務")),
    "kaigo.staff.services.role_revoke": (False, lambda w, a: S("kaigo.staff.services.role_revoke")(
        grant=w.clerk.role_grants.first(), actor=a, reason="異動")),
    "kaigo.staff.services.staff_password_reset": (False, lambda w, a: S("kaigo.staff.services.staff_password_reset")(staff=w.clerk, actor=a)),
    "kaigo.staff.services.account_request_create": (False, lambda w, a: S("kaigo.staff.services.account_request_create")(
        actor=a, kind="create", reason="採用", username="walk-newcomer", display_name="新人", role=Role.INQUIRY,
        organisation=Organisation.NAKAHARA)),
    "kaigo.staff.services.account_request_decide": (False, lambda w, a: S("kaigo.staff.services.account_request_decide")(
        actor=a, request_id=w.account_request().pk, approve=True)),
    "audit.services.alert_acknowledge": (False, lambda w, a: S("audit.services.alert_acknowledge")(alert_id=1, actor=a)),
    # certification: the board (panels, members and sessions serve every ward; a case only its ward's clerks)
    **{f"certification.board.services.{name}": (False, lambda w, a, name=name, kw=kw: S(f"certification.board.services.{name}")(actor=a, **kw)) for name, kw in {
        "panel_create": {"name": "第9合議体"},
        "member_appoint": {"name": "委員 試験", "field": "medical", "profession": "医師", "term_start": date.today()},
        "member_end": {"member_id": 1, "ended_on": date.today()},
        "session_create": {"panel_id": 1, "held_on": date.today(), "place": "会議室", "attending": [1, 2, 3]},
        "session_move": {"session_id": 1, "held_on": date.today(), "reason": "会場の都合"},
    }.items()},
    "certification.board.services.case_assign": (True, lambda w, a: (lambda s, c: S("certification.board.services.case_assign")(
        actor=a, session_id=s.pk, case_id=c.pk))(*w.board())),
    "certification.board.services.case_unassign": (True, lambda w, a: (lambda s, c: S("certification.board.services.case_unassign")(
        actor=a, session_id=s.pk, case_id=c.pk, reason="取下げ"))(*w.board(assigned=True))),
    # certification: the doctor's opinion and the primary assessment
    "certification.opinion.services.doctor_create": (False, lambda w, a: S("certification.opinion.services.doctor_create")(
        actor=a, institution_code="1410000001", institution_name="試験病院", doctor_name="試験 医師")),
    "certification.opinion.services.opinion_request": (True, lambda w, a: S("certification.opinion.services.opinion_request")(
        actor=a, case_id=w.cert_case().pk, doctor_id=w.opinion().doctor_id, requested_on=date.today())),
    "certification.opinion.services.opinion_receive": (True, lambda w, a: S("certification.opinion.services.opinion_receive")(
        actor=a, opinion_id=w.opinion().pk, receipt=S("tests.certification.test_opinion.receipt")())),
    "certification.opinion.services.opinion_remind": (True, lambda w, a: S("certification.opinion.services.opinion_remind")(
        actor=a, opinion_id=w.opinion().pk, reminded_on=date.today())),
    "certification.opinion.services.opinion_cancel": (True, lambda w, a: S("certification.opinion.services.opinion_cancel")(
        actor=a, opinion_id=w.opinion().pk, on=date.today(), reason="辞退")),
    "certification.assessment.services.primary_estimate": (True, lambda w, a: S("certification.assessment.services.primary_estimate")(
        actor=a, case_id=w.opinion().case_id, severities={})),
    # the result file names cases of every ward: refused as a whole without the role, line by line outside the ward
    "certification.assessment.services.assessment_import": (False, lambda w, a: S("certification.assessment.services.assessment_import")(
        actor=a, data=b"x", file_name="x.csv")),
    # premiums
    "premiums.collection.services.payment_record_counter": (True, lambda w, a: S("premiums.collection.services.payment_record_counter")(
        actor=a, resident_id=w.person.pk, data=S("premiums.collection.services.CounterPayment")(FY, "billing", date(2026, 7, 1), 7_200, date.today()))),
    "premiums.collection.services.counter_payment_record": (True, lambda w, a: S("premiums.collection.services.counter_payment_record")(
        actor=a, resident_id=w.person.pk, keys=[(FY, "billing", date(2026, 7, 1))], amount=7_200,
        paid_on=date.today())),
    "premiums.collection.services.refund_decide": (True, lambda w, a: S("premiums.collection.services.refund_decide")(
        actor=a, resident_id=w.person.pk, fiscal_year=FY, amount=100, reason="過納")),
    "premiums.collection.services.offset_decide": (True, lambda w, a: S("premiums.collection.services.offset_decide")(
        actor=a, resident_id=w.person.pk, fiscal_year=FY, amount=100, to_fiscal_year=FY, to_method="billing",
        to_month=date(2026, 8, 1), reason="充当")),
    "premiums.collection.services.held_payment_decide": (True, lambda w, a: S("premiums.collection.services.held_payment_decide")(
        actor=a, held_id=w.held_payment().pk, action="return", reason="返戻")),
    "premiums.collection.services.late_charge_exemption_apply": (True, lambda w, a: S("premiums.collection.services.late_charge_exemption_apply")(
        actor=a, resident_id=w.person.pk, fiscal_year=FY, month=date(2026, 7, 1), reason="災害")),
    "premiums.collection.services.late_charge_exemption_decide": (True, lambda w, a: S("premiums.collection.services.late_charge_exemption_decide")(
        actor=a, exemption_id=w.exemption().pk, approve=True, reason="認める")),
    "premiums.collection.services.transfer_file_create": (True, lambda w, a: S("premiums.collection.services.transfer_file_create")(actor=a, transfer_date=date.today())),
    "premiums.collection.services.transfer_results_receive": (True, lambda w, a: S("premiums.collection.services.transfer_results_receive")(actor=a, data=b"")),
    "premiums.intake.services.tax_file_receive": (False, lambda w, a: S("premiums.intake.services.tax_file_receive")(b"x", file_name="x", fiscal_year=FY, actor=a)),
    "premiums.intake.services.pension_listing_receive": (False, lambda w, a: S("premiums.intake.services.pension_listing_receive")(
        b"x", file_name="x", notice="00", month=(2026, 5), actor=a)),
    "premiums.intake.services.payment_file_receive": (False, lambda w, a: S("premiums.intake.services.payment_file_receive")(b"x", file_name="x", actor=a)),
    "premiums.intake.services.pension_results_receive": (False, lambda w, a: S("premiums.intake.services.pension_results_receive")(
        b"x", file_name="x", month=(2026, 6), actor=a)),
    "premiums.notices.services.notice_issue": (True, lambda w, a: S("premiums.notices.services.notice_issue")("decision", w.levy.pk, actor=a)),
    "premiums.notices.services.notice_pdf": (True, lambda w, a: S("premiums.notices.services.notice_pdf")("decision", w.levy.pk, actor=a)),
    "premiums.notices.services.reduction_notice_issue": (True, lambda w, a: S("premiums.notices.services.reduction_notice_issue")(w.reduction(decided=True).pk, actor=a)),
    "premiums.notices.services.reduction_notice_pdf": (True, lambda w, a: S("premiums.notices.services.reduction_notice_pdf")(w.reduction(decided=True).pk, actor=a)),
    "premiums.notices.services.notices_batch": (True, lambda w, a: S("premiums.notices.services.notices_batch")("decision", [w.levy.pk], actor=a)),
    "premiums.notices.services.notices_batch_pdf": (True, lambda w, a: S("premiums.notices.services.notices_batch_pdf")("decision", [w.levy.pk], actor=a)),
    "premiums.reductions.services.reduction_apply": (True, lambda w, a: S("premiums.reductions.services.reduction_apply")(
        actor=a, resident_id=w.person.pk, application=S("premiums.reductions.services.ReductionApplication")(FY, "deferral", date(2026, 9, 1), date(2026, 10, 1), date(2026, 12, 1),
                              ("income_proof",)))),
    "premiums.reductions.services.reduction_decide": (True, lambda w, a: S("premiums.reductions.services.reduction_decide")(
        actor=a, reduction_id=w.reduction().pk, approve=True)),
    "premiums.reductions.services.deferral_end": (True, lambda w, a: S("premiums.reductions.services.deferral_end")(
        actor=a, reduction_id=w.reduction(decided=True).pk, until=date.today(), reason="資力回復")),
    # benefits: the federation's monthly benefit-record file (the whole city: no ward)
    "benefits.records.services.records_file_receive": (False, lambda w, a: S("benefits.records.services.records_file_receive")(
        b"x", file_name="x.csv", month=date(2026, 11, 1), actor=a)),
    # certification: the survey
    "certification.survey.services.survey_assign": (True, lambda w, a: S("certification.survey.services.survey_assign")(
        actor=a, case_id=w.survey_case(assigned=False).pk, body_code="0000000000", requested_on=date.today())),
    "certification.survey.services.survey_appoint": (True, lambda w, a: S("certification.survey.services.survey_appoint")(
        actor=a, case_id=w.survey_case().pk, on=date.today(), at=None, place_kind="home")),
    "certification.survey.services.survey_enter": (True, lambda w, a: S("certification.survey.services.survey_enter")(
        actor=a, case_id=w.survey_case().pk, surveyed_on=date.today(), answers={"1-3": "1"}, notes={})),
    "certification.survey.services.survey_file_receive": (False, lambda w, a: S("certification.survey.services.survey_file_receive")(
        b"x", file_name="x.csv", actor=a)),
    # the master of surveying bodies serves every ward: "scoped" here is the head office only
    "certification.survey.services.survey_body_save": (True, lambda w, a: S("certification.survey.services.survey_body_save")(
        actor=a, code="X1", name="試験", kind="designated")),
    **{f"premiums.rates.services.{name}": (False, lambda w, a, name=name, kw=kw: S(f"premiums.rates.services.{name}")(actor=a, **kw)) for name, kw in {
        "rate_table_draft": {"valid_from": FY + 1, "valid_to": None, "name": "試案", "from_table_id": 1},
        "rate_table_update": {"table_id": 1, "name": "x"},
        "rate_table_set_stage": {"table_id": 1, "number": 1, "values": None},
        "rate_table_update_stage": {"table_id": 1, "number": 1},
        "rate_table_remove_stage": {"table_id": 1, "number": 1},
        "rate_table_edit": {"table_id": 1, "changes": {}, "stages": {}},
        "rate_table_approve": {"table_id": 1},
        "rate_table_close": {"table_id": 1, "last_year": FY},
        "collection_plan_draft": {"valid_from": FY + 1, "valid_to": None, "name": "試案", "from_plan_id": 1},
        "collection_plan_update": {"plan_id": 1, "name": "x"},
        "collection_plan_approve": {"plan_id": 1},
        "collection_plan_close": {"plan_id": 1, "last_year": FY},
    }.items()},
}

# Functions that take an ``actor`` and write no business data for a staff member, with why.
NOT_STAFF_WRITES = {
    "audit.services.access_log_write": "the access log itself (who read what), written by every read",
    "audit.services.auth_event_write": "the sign-in events of the account system",
    "kaigo.crypto.services.key_operation_record": "the audit record of a key operation another service checked",
    "kaigo.crypto.services.person_shred": "the server's command only (person_shred), no screen: actor is None",
    "kaigo.batches.services.require_operate": "the check itself",
    "kaigo.staff.services.require_section_chief": "the check itself",
    "kaigo.staff.services.require_other_account": "the check itself",
    "certification.cases.services.case_move": "a step of the calling service, which locked the case and checked "
                                              "role and ward in its transaction",
    "certification.cases.services.case_requested": "a step of the survey's and opinion's request services, "
                                                   "which checked role and ward",
    "premiums.notices.services.notice_preview_pdf": "a read: the 見本 writes only the access log",
    "premiums.notices.services.reduction_notice_preview_pdf": "a read: the 見本 writes only the access log",
    "premiums.notices.services.issued_notice_pdf": "a read: an issued notice drawn again, only the access log",
    "premiums.notices.services.run_notices_pdf": "a read: a run's recorded notices, only the access log",
    "premiums.notices.services.receipt_pdf": "a read: the receipt, only the access log",
    "premiums.notices.services.settlement_notice_pdf": "a read: the decision's notice, only the access log",
}

# Functions without an actor: batches and intake chunks acting for the city, pure helpers, reads.
SYSTEM = {
    "benefits.restrictions.services": {"restrictions_check_paid"},  # the daily check of payments
    # the high-cost refund's batch chunk and its pure helpers (the run's operator checked at its start)
    "benefits.refunds.services": {"high_cost_month_chunk", "month_last_day", "tax_year_of_month", "persons_with_records"},
    "certification.decisions.services": {"certifications_lapse_on_loss"},  # the lapse consumer's
    # the ratio's batch chunk and consumers (no staff member: the run's operator checked at its start)
    "benefits.ratio.services": {"ratio_recalculate", "ratio_year_chunk", "ratios_compute"},
    # the registry intake's chunk and the backfill (migration, command, the generated city)
    "eligibility.households.services": {"household_history_backfill", "household_moves_record"},
    "audit.services": {"attempted_username_hash", "auth_event_login_failed", "access_log_seal", "chain_verify",
                       "heads_verify", "verify_all", "checkpoint_record", "checkpoints_verified", "heads_anchor",
                       "verified_label", "chains_verify_and_alert",
                       "access_log_batch", "access_append_sql"},  # the access log's own statement for a page's reads
    "certification.cases.services": {"current_certification", "latest_certification", "case_number_next",
                                     "case_lock", "cases_end_on_loss"},
    "certification.assessment.services": {"assessment_problems", "survey_severities"},
    "certification.opinion.services": {"opinions_mark_late", "reminder_days", "continuing_for"},
    "eligibility.cards.services": {"age65_issue_cards"},
    "eligibility.intake.services": {"apply_chunk", "file_status_settle"},
    "eligibility.qualification.services": {
        "facts_for", "moved_to_other_municipality", "latest_fact", "stored_periods", "period_on", "first_difference",
        "qualification_horizon", "requalify", "record_revisions", "insured_numbers_issue",
        "second_class_application_record", "age65_candidates", "move_outs_without_destination",
        "move_out_loss_correct"},
    "eligibility.residents.services": {"resident_validate", "my_number_taken", "resident_indexes"},
    "kaigo.batches.services": {"batch_dispatch", "chunk_process", "chunk_mark_failed", "batch_finalize_if_complete",
                               "safe_error", "batch_mark_stalled", "batch_supervise",
                               "database_unavailable"},
    "kaigo.crypto.services": {"person_key_create", "encrypted_models", "verify_persons"},
    "kaigo.outbox.services": {"publish", "relay"},
    "kaigo.staff.services": {"effective_moment", "temporary_password_generate",
                             "staff_password_change",  # the signed-in member's own password only
                             "staff_number_normalise",  # a pure helper
                             "staff_sessions_end"},  # called by account_request_decide, which checks the chief
    "premiums.arrears.services": {"reminders_chunk", "prescription_chunk"},
    "premiums.collection.services": {"person_lock", "account_validate"},
    "premiums.intake.services": {"main_levy_done"},
    "premiums.levy.services": {"main_levy_chunk", "write_levies", "provisional_levy_chunk", "levy_pending_add",
                               "billing_from_for", "pension_stop_from_for", "relevy_chunk",
                               "provisional_billing_chunk"},
    "premiums.notices.services": {"proration_steps", "stage_message", "collection_message", "reduction_steps",
                                  "levy_statement", "change_causes", "pension_named", "provisional_notice",
                                  "stopped_month", "pension_stop_notice", "reduction_notice_kinds", "decided_until",
                                  "deferred_bills", "reduction_notice", "notice_links"},
}
# the system functions a view may call all the same (no write: a rule or a lookup)
VIEW_MAY_CALL = {"notice_links", "reduction_notice_kinds", "account_validate",
                 "access_log_batch"}  # the benchmark's reference view writes the overview's log rows as one statement


def test_every_service_is_classified():
    functions = service_functions()
    with_actor = {name for name, f in functions.items() if takes_actor(f)}
    without = {name for name, f in functions.items() if not takes_actor(f)}
    unclassified = sorted(with_actor - set(CHECKED) - set(NOT_STAFF_WRITES))
    assert not unclassified, f"services taking an actor without a refusal test (add to CHECKED): {unclassified}"
    system = {f"{module}.{name}" for module, names in SYSTEM.items() for name in names}
    assert not sorted(without - system), f"services without an actor, not classified (SYSTEM): {sorted(without - system)}"
    stale = sorted((set(CHECKED) | set(NOT_STAFF_WRITES) | system) - set(functions))
    assert not stale, f"classified services that no longer exist: {stale}"


def test_no_view_calls_a_write_service_without_an_actor():
    """A view acts for a staff member: every service function it imports takes the actor (so that
    the service checks role and ward), except the rules and lookups named in VIEW_MAY_CALL."""
    functions = service_functions()
    offending = []
    for path in sorted(ROOT.glob("*/**/views.py")) + sorted(ROOT.glob("*/**/views/*.py")):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("services"):
                for alias in node.names:
                    function = functions.get(f"{node.module}.{alias.name}")
                    if function is not None and not takes_actor(function) and alias.name not in VIEW_MAY_CALL:
                        offending.append(f"{path.relative_to(ROOT)}: {alias.name}")
    assert not offending, offending


def _everything_at(make_staff, organisation):
    return make_staff(*Role, organisation=organisation)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CHECKED))
def test_each_write_service_refuses_a_staff_member_without_the_role(make_staff, name):
    """An account holding only 照会専用 (inquiry: no write permission), at the head office (every ward)."""
    world = World(make_staff)
    _, call = CHECKED[name]
    with pytest.raises(NotPermitted):
        call(world, make_staff(Role.INQUIRY))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(name for name, (scoped, _) in CHECKED.items() if scoped))
def test_each_write_service_of_a_persons_data_refuses_another_wards_office(make_staff, name):
    """An account holding every role, at 麻生区役所, for a resident of 中原区."""
    world = World(make_staff)
    _, call = CHECKED[name]
    with pytest.raises(NotPermitted):
        call(world, _everything_at(make_staff, Organisation.ASAO))
