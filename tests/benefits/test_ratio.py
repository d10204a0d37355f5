"""The co-payment ratio on PostgreSQL: the yearly run for the certified persons of the city (a batch
kind; a second run decides nobody twice), the recalculations on events relayed by the outbox (a
death in the household, a tax correction, a new certification), the certificates printed once, and
the person's 給付 tab with the reprint. The rule's own cases: test_ratio_rules.py."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone

from benefits.ratio.models import RatioCertificate, RatioDetermination
from benefits.ratio.services import certificates_print
from eligibility.households.rules import HouseholdMove
from eligibility.households.services import household_moves_record
from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_run_here
from kaigo.outbox.services import NewEvent, publish, relay
from kaigo.staff.roles import Organisation, Role
from premiums.models import TaxFact
from tests.certification.factories import make_certification, make_insured
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db

FY = 2026
AUG, JUL = date(2026, 8, 1), date(2027, 7, 31)


def pension(resident, amount, *, other=0, **values):
    """Tax facts of a pensioner (公的年金等控除 110万): 雑所得 = 収入 - 110万."""
    misc = max(0, amount - 1_100_000)
    return make_tax_fact(resident, FY, total_income=misc + other, pension_misc_income=misc,
                         taxable_pension_income=amount, self_taxed=misc + other > 0, household_taxed=True, **values)


def current(resident) -> list[tuple]:
    return list(RatioDetermination.objects.filter(resident=resident, replaced_at__isnull=True)
                .order_by("valid_from").values_list("ratio", "valid_from", "valid_to", "cause"))


@pytest.fixture
def city(make_staff):
    clerk = make_staff(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    a = make_insured(born=date(1945, 5, 10))
    b = make_insured(born=date(1948, 2, 1), household_id=a.household_id, relation="spouse")
    c = make_insured(born=date(1950, 3, 3))
    d = make_insured(born=date(1970, 1, 1))  # 第2号 (特定疾病)
    e = make_insured(born=date(1944, 4, 4))  # no tax facts
    pension(a, 3_400_000)  # G 230万; with B: H 340万 + 120万 = 460万 < 463万 → 2割 (alone: 3割)
    pension(b, 1_200_000)  # G 10万 → 1割
    pension(c, 2_800_000)  # single, G 170万, H 280万 → 2割
    pension(d, 0, other=9_000_000)
    for person in (a, b, c, d, e):
        make_certification(person, valid_from=date(2026, 4, 1), valid_to=date(2027, 3, 31), actor=clerk)
    operator = make_staff(Role.OPERATOR)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "clerk": clerk, "operator": operator}


def year_run(operator, **params) -> BatchRun:
    return batch_run_here(kind="benefits.ratio_year", params={"fiscal_year": FY, **params}, actor=operator,
                          origin=BatchRun.Origin.COMMAND)


def test_the_yearly_run_decides_every_certified_person_once_and_queues_their_certificates(city):
    run = year_run(city["operator"], chunk_size=100)

    assert run.status == BatchRun.Status.SUCCEEDED
    table = [  # person, ratio, reason
        ("a", 2, "two"), ("b", 1, "income_below"), ("c", 2, "two"), ("d", 1, "second_class"), ("e", 1, "no_facts")]
    got = {k: list(RatioDetermination.objects.filter(resident=city[k]).values_list("ratio", "reason", "valid_from",
                                                                                   "valid_to")) for k, *_ in table}
    assert got == {k: [(ratio, reason, AUG, JUL)] for k, ratio, reason in table}
    # the figures are not copied: the ids of the tax facts (own first, then the household's first-class)
    a_row = RatioDetermination.objects.get(resident=city["a"])
    facts = dict(TaxFact.objects.filter(fiscal_year=FY).values_list("resident_id", "id"))
    assert (a_row.tax_fact_ids, a_row.first_class_members, a_row.household_id) == (
        [facts[city["a"].pk], facts[city["b"].pk]], 2, city["a"].household_id)
    assert RatioCertificate.objects.filter(batch_run=run, kind="yearly", printed_at__isnull=True).count() == 5

    # a second run, confirmed: everybody has a ratio for the year, nobody is decided again
    from kaigo.batches.services import batch_start

    second = batch_start(kind="benefits.ratio_year", params={"fiscal_year": FY}, actor=city["operator"],
                         origin=BatchRun.Origin.COMMAND, dispatch=False, confirmed=True)
    from kaigo.batches.services import chunk_process

    for chunk_id in second.chunks.values_list("pk", flat=True):
        chunk_process(chunk_id)
    assert (RatioDetermination.objects.count(), RatioCertificate.objects.count()) == (5, 5)


def test_a_second_run_of_the_year_asks_for_confirmation(city):
    from kaigo.batches.registry import ConfirmationRequired
    from kaigo.batches.services import batch_start

    year_run(city["operator"])
    with pytest.raises(ConfirmationRequired):
        batch_start(kind="benefits.ratio_year", params={"fiscal_year": FY}, actor=city["operator"],
                    origin=BatchRun.Origin.COMMAND, dispatch=False)


def test_events_recalculate_only_what_changes_and_queue_a_new_certificate(city):
    year_run(city["operator"])
    a, b, c = city["a"], city["b"], city["c"]

    # B dies on 10月15日: A is alone in the household → the single amounts → 3割 from 11月1日
    with transaction.atomic():
        household_moves_record([HouseholdMove(b.pk, None, date(2026, 10, 15), "death", key="t-death")])
    # C's tax is corrected: 年金 200万 → G 90万 → 1割 for the whole year
    with transaction.atomic():
        TaxFact.objects.filter(resident=c).update(recorded_to=timezone.now())
        fact = pension(c, 2_000_000, correction=True)
        publish([NewEvent(topic="premiums.tax_corrected", dedupe_key="t-tax", person_id=c.pk,
                          effective_from=date(FY, 4, 1), payload={"fiscal_year": FY, "tax_fact": fact.pk})])
    # F is certified from 12月1日 (after the yearly run): 年金 280万 alone → 2割 from that day
    f = make_insured(born=date(1946, 6, 6))
    pension(f, 2_800_000)
    cert = make_certification(f, valid_from=date(2026, 12, 1), valid_to=date(2027, 11, 30), actor=city["clerk"])
    with transaction.atomic():
        publish([NewEvent(topic="certification.decided", dedupe_key="t-cert", person_id=f.pk,
                          effective_from=date(2026, 12, 1), payload={"certification": cert.pk})])
    relay()

    assert current(a) == [(2, AUG, date(2026, 10, 31), "yearly"), (3, date(2026, 11, 1), JUL, "household_change")]
    assert current(b) == [(1, AUG, JUL, "yearly")]  # still 1割: no change, no certificate
    assert current(c) == [(1, AUG, JUL, "tax_correction")]
    assert current(f) == [(2, date(2026, 12, 1), JUL, "certification")]
    queued = dict(RatioCertificate.objects.filter(batch_run__isnull=True).values_list(
        "determination__resident_id", "kind"))
    assert queued == {a.pk: "change", c.pk: "change", f.pk: "new"}
    # the replaced rows are kept, marked
    assert RatioDetermination.objects.filter(replaced_at__isnull=False).count() == 2


def test_certificates_are_printed_once_in_one_pdf(city):
    year_run(city["operator"])

    pdf, count = certificates_print(actor=city["operator"])
    again, none = certificates_print(actor=city["operator"])

    # the 第2号 person has no insured number in this test world: left queued, never printed blank
    assert pdf.startswith(b"%PDF") and count == 4
    assert (again, none) == (b"", 0)
    assert list(RatioCertificate.objects.filter(printed_at__isnull=True).values_list(
        "determination__resident_id", flat=True)) == [city["d"].pk]


def test_printing_needs_the_run_permission(city, make_staff):
    from kaigo.errors import NotPermitted

    year_run(city["operator"])
    with pytest.raises(NotPermitted):
        certificates_print(actor=make_staff(Role.INQUIRY))
    assert not RatioCertificate.objects.filter(printed_at__isnull=False).exists()


def test_the_benefits_tab_shows_the_ratio_history_and_reprints_the_certificate(city, client_as):
    year_run(city["operator"])
    a = city["a"]
    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)

    page = client.get(f"/benefits/persons/{a.pk}/")
    reprint = client.get(f"/benefits/ratio/persons/{a.pk}/certificate/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "給付" in text and "2割" in text and "令和8（2026）年8月1日" in text
    assert "本人の合計所得金額と世帯の年金収入等が2割負担の基準以上" in text and "年次判定" in text
    assert (reprint.status_code, reprint["Content-Type"]) == (200, "application/pdf")
    assert reprint.content.startswith(b"%PDF")
    assert not RatioCertificate.objects.filter(printed_at__isnull=False).exists()  # a GET writes nothing


def test_staff_without_the_benefit_permission_cannot_open_the_tab(city, client_as):
    client = client_as(Role.CERTIFICATION_CLERK, organisation=Organisation.NAKAHARA)
    assert client.get(f"/benefits/persons/{city['a'].pk}/").status_code == 403


def test_the_print_command_writes_the_years_certificates_once(city, tmp_path):
    from django.core.management import call_command

    run = year_run(city["operator"])
    call_command("ratio_certificates_print", str(tmp_path / "a.pdf"), run=run.pk)
    call_command("ratio_certificates_print", str(tmp_path / "b.pdf"), run=run.pk)

    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert not (tmp_path / "b.pdf").exists()  # nothing left to print the second time
    assert RatioCertificate.objects.filter(batch_run=run, printed_at__isnull=False).count() == 4


def test_a_death_reported_by_the_registry_recalculates_the_survivors_ratio(city):
    """End to end: the registry intake records the death in the household history, publishes the
    household change, the relay recalculates the spouse (alone now: the single amounts, 3割)."""
    from eligibility.intake import services as intake
    from tests.eligibility.factories import registry_file, registry_line

    year_run(city["operator"])
    a, b = city["a"], city["b"]
    received = intake.registry_file_receive(
        registry_file(registry_line(b, kind="B2", effective_on="2026-10-15", notified_on="2026-10-16")),
        file_name="jyuki.csv", business_date=date(2026, 10, 20))
    result = intake.apply_chunk(file=received.file, lo=0, hi=10**12, batch_run_id=None, actor_id=None)
    relay()

    assert (result.applied, result.errors) == (1, [])
    assert current(a) == [(2, AUG, date(2026, 10, 31), "yearly"), (3, date(2026, 11, 1), JUL, "household_change")]
    assert RatioCertificate.objects.filter(determination__resident=a, kind="change").count() == 1


def test_the_benefits_tab_shows_every_packages_section_and_logs_them_in_one_statement(city, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.models import AccessLogEntry

    year_run(city["operator"])
    a = city["a"]
    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/benefits/persons/{a.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    # each benefit package's section, in order, each with the way to its own page
    headings = ["利用者負担の割合（負担割合証）", "給付実績（直近12か月）", "高額介護サービス費",
                "負担限度額認定（食費・居住費）",
                "給付制限（保険料の滞納）",
                "総合事業（事業対象者・基本チェックリスト）"]
    assert [text.index(h) for h in headings] == sorted(text.index(h) for h in headings)
    for link in (f"/benefits/records/persons/{a.pk}/", f"/benefits/limits/persons/{a.pk}/",
                 f"/benefits/restrictions/persons/{a.pk}/",
                 f"/benefits/regional/persons/{a.pk}/"):
        assert link in text
    assert "給付実績はありません。" in text and "給付制限はありません。" in text
    # the tab's row and each section's own row, all naming the person, written with one statement
    entries = list(AccessLogEntry.objects.order_by("id").values_list("function", "person_ids"))
    assert entries == [("benefit.tab", [a.pk]), ("benefit.records.summary", [a.pk]),
                       ("benefit.high_cost.summary", [a.pk]), ("benefit.limits.summary", [a.pk]), ("benefit.restrictions", [a.pk]),
                       ("benefit.regional.summary", [a.pk])]
    appends = [q["sql"] for q in queries if "audit_access_append" in q["sql"]]
    assert len(appends) == 1 and appends[0].count("audit_access_append") == 6
