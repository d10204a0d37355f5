"""The person's overview is the counter's page (issue 16 item 5): the insured number, the
qualification in force, the age, the 住所地特例 and 適用除外 flags, this year's premium (from
premiums' own section: kaigo.shell.sections) and the person's tabs, the current one marked. The
figures are checked against the database and the premiums selectors, never typed in."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessLogEntry
from eligibility.codes import GainReason, InsuredClass, StayKind
from eligibility.qualification.models import Facility, FacilityStay, QualificationPeriod
from eligibility.residents.selectors import resident_overview
from kaigo.shell.sections import (
    all_overview_sections,
    all_person_tabs,
    overview_sections,
)
from kaigo.staff.roles import has_permission, Role
from premiums.collection.selectors import year_collection
from premiums.models import Levy, LevyInstallment, Payment, PaymentChannel
from premiums.rules.tables import fiscal_year_of
from tests.eligibility.factories import make_elderly, make_resident
from tests.html_parse import by_id, elements
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db
ALL = {"lo": 0, "hi": 10**12}


def text(html: str, element_id: str) -> str:
    return " ".join(by_id(html, element_id).content.split())


def levied_person(**overrides):
    """A first-class insured person (born 1950-06-15) levied for this fiscal year by bills, the
    first bill paid at the counter."""
    from premiums.levy.services import main_levy_chunk

    person = make_elderly(**overrides)
    fiscal_year = fiscal_year_of(timezone.localdate())
    make_tax_fact(person, fiscal_year, household_taxed=True)
    main_levy_chunk(fiscal_year=fiscal_year, **ALL)
    first = LevyInstallment.objects.filter(levy__resident=person, method="billing").order_by("month").first()
    Payment.objects.create(resident=person, fiscal_year=fiscal_year, method="billing", month=first.month,
                           channel=PaymentChannel.COUNTER, amount=first.amount, paid_on=first.due_date,
                           booked_on=first.due_date)
    return person, fiscal_year


def yen(amount: int) -> str:
    return f"{amount:,}円"


def test_the_overview_answers_the_counter_at_one_look(client_as):
    person, fiscal_year = levied_person()
    today = timezone.localdate()

    body = client_as(Role.WARD_CLERK).get(f"/persons/{person.pk}/").content.decode()

    # eligibility's facts, against the rows the qualification service wrote
    assert text(body, "insured-number") == person.insured_number.number
    period = QualificationPeriod.objects.get(resident=person, recorded_to__isnull=True)
    assert period.insured_class == InsuredClass.FIRST
    assert text(body, "qualification") == (f"{InsuredClass.FIRST.label}（{period.start.isoformat()} から、"
                                           f"{GainReason(period.gain_reason).label}）")
    # the age by 年齢計算ニ関スル法律: of the new age from the day before the birthday
    reached = (today.month, today.day) >= (6, 14)
    assert text(body, "age") == f"{today.year - 1950 - (0 if reached else 1)}歳"
    assert text(body, "special-address") == "該当なし" and text(body, "exemption") == "該当なし"

    # premiums' section, against the levy row and premiums' own balance
    levy = Levy.objects.get(resident=person, fiscal_year=fiscal_year, recorded_to__isnull=True)
    collection = year_collection(person.pk, fiscal_year, as_of=today)
    bills = LevyInstallment.objects.filter(levy=levy, method="billing")
    paid = sum(Payment.objects.filter(resident=person).values_list("amount", flat=True))
    overdue = [i for i in bills.order_by("month")[1:] if i.due_date < today]  # the first bill is paid
    assert text(body, "premium-stage") == f"第{levy.stage}段階"
    assert text(body, "premium-amount") == yen(levy.amount)
    assert text(body, "premium-method") == levy.get_collection_method_display()
    assert text(body, "premium-paid") == yen(paid) == yen(collection.balance.paid)
    assert text(body, "premium-balance") == yen(levy.amount - paid) == yen(collection.balance.balance)
    arrears = sum(i.amount for i in overdue)
    assert text(body, "premium-arrears") == (f"{yen(arrears)}（{len(overdue)}期分）" if overdue else "なし")
    assert "保険料（今年度）" in body

    # nothing about what "will appear" some day
    for placeholder in ("表示予定", "今後", "追加に合わせて", "ここに表示されます"):
        assert placeholder not in body


def test_the_flags_are_shown_when_set(client_as):
    person = make_elderly()
    special = Facility.objects.create(code="T000000001", name="特例 ホーム", kind="special", municipality="141305")
    exempt = Facility.objects.create(code="T000000002", name="除外 園", kind="exemption", municipality="141305")
    FacilityStay.objects.create(resident=person, kind=StayKind.OTHER_SPECIAL, facility=special, start=date(2024, 4, 1))
    FacilityStay.objects.create(resident=person, kind=StayKind.EXEMPTION, facility=exempt, start=date(2025, 1, 10))
    FacilityStay.objects.create(resident=person, kind=StayKind.SELF_SPECIAL, facility=special,
                                start=date(2020, 1, 1), end=date(2021, 1, 1))  # ended: not in force

    body = client_as(Role.HEAD_OFFICE_CLERK).get(f"/persons/{person.pk}/").content.decode()

    assert text(body, "special-address") == f"該当: {StayKind.OTHER_SPECIAL.label}、特例 ホーム（2024-04-01 から）"
    assert text(body, "exemption") == f"該当: {StayKind.EXEMPTION.label}、除外 園（2025-01-10 から）"


def test_a_person_never_insured_and_one_not_yet_levied(client_as):
    young = make_resident(birth_date=date(1990, 1, 1))
    body = client_as(Role.WARD_CLERK).get(f"/persons/{young.pk}/").content.decode()
    assert text(body, "qualification") == "資格なし（被保険者となった記録はありません）"
    assert text(body, "premium-summary") == f"{fiscal_year_of(timezone.localdate())}年度の保険料の賦課はありません。"


def test_a_role_without_premium_permission_sees_no_premium_section_and_no_premium_tab(client_as):
    person, _ = levied_person()
    body = client_as(Role.CERTIFICATION_CLERK).get(f"/persons/{person.pk}/").content.decode()
    assert text(body, "insured-number") == person.insured_number.number
    assert "premium-summary" not in body and "保険料（今年度）" not in body
    assert f"/persons/{person.pk}/premiums/" not in body
    assert not AccessLogEntry.objects.filter(function__startswith="premium.").exists()


def test_the_access_log_records_the_overview_and_the_premium_section(client_as):
    person, _ = levied_person()
    client = client_as(Role.WARD_CLERK)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/persons/{person.pk}/")
    entries = list(AccessLogEntry.objects.order_by("id").values_list("function", "person_ids", "staff_id"))
    assert entries == [("person.view", [person.pk], client.staff.pk), ("premium.summary", [person.pk], client.staff.pk)]
    # both rows with one statement (audit.services.access_log_batch), no transaction of its own
    appends = [q["sql"] for q in queries if "audit_access_append" in q["sql"]]
    assert len(appends) == 1 and appends[0].count("audit_access_append") == 2
    assert not [q for q in queries if "SAVEPOINT" in q["sql"]]


def test_the_overview_returns_nothing_when_its_log_rows_cannot_be_written(client_as, monkeypatch):
    from audit import services

    person, _ = levied_person()
    staff = client_as(Role.WARD_CLERK).staff
    monkeypatch.setattr(services, "access_append_sql", lambda rows: "SELECT id FROM audit_access_append_missing()")
    shown = []
    with pytest.raises(DatabaseError), transaction.atomic():  # fail closed: no log, no data
        shown.append(resident_overview(actor=staff, request=None, resident_id=person.pk,
                                       today=timezone.localdate(), sections=overview_sections(staff)))
    assert shown == [] and not AccessLogEntry.objects.exists()


def person_tab_links(body: str) -> list[tuple[str, str | None]]:
    return [(e.content, e.attrs.get("aria-current")) for e in elements(body)
            if e.tag == "a" and e.inside("nav", class_="person-tabs")]


@pytest.mark.parametrize(("path", "current"), [
    ("", "概要"), ("qualification/", "資格・履歴"), ("qualification/notify/", "届出の登録"),
    ("qualification/cards/", "証の交付"), ("premiums/", "保険料"), ("premiums/payment/", "保険料"),
])
def test_every_person_page_shows_every_tab_and_marks_the_current_one(client_as, path, current):
    person, _ = levied_person()
    client = client_as(Role.WARD_CLERK)
    body = client.get(f"/persons/{person.pk}/{path}").content.decode()
    links = person_tab_links(body)
    assert [label for label, _ in links] == [t.label for t in all_person_tabs()
                                             if has_permission(client.staff, t.permission)]
    assert [label for label, mark in links if mark == "page"] == [current]


def test_tabs_are_those_the_role_may_open(client_as):
    person = make_elderly()
    body = client_as(Role.INQUIRY).get(f"/persons/{person.pk}/").content.decode()
    assert [label for label, _ in person_tab_links(body)] == ["概要", "資格・履歴", "証の交付", "保険料", "給付"]
    body = client_as(Role.CERTIFICATION_CLERK).get(f"/persons/{person.pk}/").content.decode()
    assert [label for label, _ in person_tab_links(body)] == ["概要", "資格・履歴", "証の交付", "認定"]


def test_the_registry_holds_the_apps_registrations():
    assert [s.key for s in all_overview_sections()] == ["premiums"]
    keys = [t.key for t in all_person_tabs()]
    assert keys == ["overview", "qualification", "notify", "cards", "premiums", "certification", "benefits"]
    assert len({t.accesskey for t in all_person_tabs()}) == len(keys)


def test_the_overview_reads_a_bounded_number_of_queries(client_as, django_assert_max_num_queries):
    person, _ = levied_person()
    client = client_as(Role.WARD_CLERK)
    client.get(f"/persons/{person.pk}/")  # session, roles warm
    # account with roles, household with keys, qualification facts (one message), the premium year
    # (one message), the overview's and the premium section's log rows (one statement)
    with django_assert_max_num_queries(7):
        assert client.get(f"/persons/{person.pk}/").status_code == 200
