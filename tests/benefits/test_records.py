"""Benefit records received from the national federation (real PostgreSQL): a month's file matched
to residents and their certifications, the refusals (unknown person, no certification in the
month, a service type not for the level, repeats), a repeated or misshapen file, nothing
half-applied; the simulator's month consistent with the certifications and taken in whole; the
head office's screens and a person's records (scope, access log)."""

from __future__ import annotations

from datetime import date

import pytest

from audit.models import AccessLogEntry
from benefits.records.format import LAYOUT, line_encode
from benefits.records.models import BenefitRecord, RecordFile, RecordLineError
from benefits.records.parser import parse_record_file
from benefits.records.selectors import records_summary_for
from benefits.records.services import RecordFileInvalid, records_file_receive
from benefits.rules.service_types import SERVICE_TYPES, fits_level, monthly_limit
from eligibility.residents.selectors import insured_numbers_of
from kaigo.errors import NotPermitted
from kaigo.staff.roles import Organisation, Role
from linkage.kokuhoren.simulator import certified_people, simulate_records
from tests.certification.factories import make_certification, make_insured

pytestmark = pytest.mark.django_db
SERVICE_MONTH, MONTH = date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.HEAD_OFFICE_CLERK, organisation=Organisation.HEAD_OFFICE)


@pytest.fixture
def people(clerk):
    """Four insured persons: 要介護2 all October, 要支援1 all October, 要介護3 whose certification
    ends on 15 October (certified in the month all the same), and one never certified."""
    care = make_insured()
    support = make_insured(born=date(1940, 1, 2))
    ending = make_insured(born=date(1938, 3, 4))
    never = make_insured(born=date(1942, 6, 7))
    make_certification(care, level="22", valid_from=date(2026, 4, 1), valid_to=date(2027, 3, 31), actor=clerk)
    make_certification(support, level="12", valid_from=date(2026, 9, 1), valid_to=date(2027, 8, 31), actor=clerk)
    make_certification(ending, level="23", valid_from=date(2025, 10, 16), valid_to=date(2026, 10, 15), actor=clerk)
    numbers = insured_numbers_of([care.pk, support.pk, ending.pk, never.pk])
    return {"care": (care, numbers[care.pk]), "support": (support, numbers[support.pk]),
            "ending": (ending, numbers[ending.pk]), "never": (never, numbers[never.pk])}


def line(serial: int, number: str, *, service="11", route="1", provider="1411000001", month="202610", units=1000):
    total = units * 1112 // 100
    insurer = total * 90 // 100
    return line_encode([str(serial), number, provider, month, service, route, str(units), "11.12", str(total), "90",
                        str(insurer), "0", str(total - insurer)])


def test_a_month_is_matched_to_residents_and_their_certifications(people, clerk):
    lines = [
        line(1, people["care"][1]),  # 訪問介護, 要介護2: taken
        line(2, people["care"][1], service="43", route="2"),  # 居宅介護支援 paid back (償還払い): taken
        line(3, people["support"][1], service="67"),  # 介護予防福祉用具貸与, 要支援1: taken
        line(4, people["ending"][1], service="15"),  # certified until 15 October: taken
        line(5, people["never"][1]),  # never certified
        line(6, "9900000001"),  # a number never issued
        line(7, people["support"][1], service="11"),  # a care service for 要支援
        line(8, people["care"][1]),  # the same record as line 2
        line(9, people["care"][1], month="202609", units=77),  # September, certified: taken
        line(10, people["ending"][1], month="202611"),  # not before the processing month: the parser's
    ]
    received = records_file_receive(LAYOUT.file(lines), file_name="kyufu_202611.csv", month=MONTH, actor=clerk)
    assert received.created and (received.applied, received.rejected) == (5, 5)
    errors = {e.line_no: e.code for e in RecordLineError.objects.filter(file=received.file)}
    assert errors == {6: "not_certified", 7: "person_unknown", 8: "service_type_level", 9: "record_duplicate",
                      11: "service_month_not_before"}
    messages = {e.line_no: e.message for e in RecordLineError.objects.filter(file=received.file)}
    assert messages[6] == ("6行目: サービス提供年月に有効な要介護・要支援認定がありません"
                           "（認定のない月の給付実績は受け付けません）。")
    assert messages[9] == ("9行目: 同じ被保険者・事業所・サービス提供年月・サービス種類・給付区分の実績が2行目にあります"
                           "（後の行を受け付けません）。")
    assert not any(people[k][1] in m for k in people for m in messages.values())  # no insured number in a message
    records = {(r.line_no, r.resident_id, r.service_type, r.route, r.level, r.service_month)
               for r in BenefitRecord.objects.filter(file=received.file)}
    care, support, ending = people["care"][0].pk, people["support"][0].pk, people["ending"][0].pk
    assert records == {(2, care, "11", "in_kind", "22", SERVICE_MONTH), (3, care, "43", "reimbursed", "22", SERVICE_MONTH),
                       (4, support, "67", "in_kind", "12", SERVICE_MONTH), (5, ending, "15", "in_kind", "23", SERVICE_MONTH),
                       (10, care, "11", "in_kind", "22", date(2026, 9, 1))}
    file = RecordFile.objects.get(pk=received.file.pk)
    assert (file.total_lines, file.applied, file.rejected, file.reimbursed, file.month) == (10, 5, 5, 1, MONTH)
    assert file.total_cost == sum(r.total_cost for r in BenefitRecord.objects.filter(file=file))


def test_the_same_bytes_again_change_nothing_and_a_record_received_before_is_refused(people, clerk):
    data = LAYOUT.file([line(1, people["care"][1])])
    first = records_file_receive(data, file_name="a.csv", month=MONTH, actor=clerk)
    again = records_file_receive(data, file_name="a-again.csv", month=MONTH, actor=clerk)
    assert (again.created, again.file.pk) == (False, first.file.pk)
    assert BenefitRecord.objects.count() == 1 and RecordFile.objects.count() == 1
    # the same record in another file (other serial: other bytes) is refused, the new one taken
    other = records_file_receive(LAYOUT.file([line(5, people["care"][1]), line(6, people["care"][1], service="15")]),
                                 file_name="b.csv", month=MONTH, actor=clerk)
    assert (other.applied, other.rejected) == (1, 1)
    assert RecordLineError.objects.get(file=other.file).code == "record_received"


def test_a_misshapen_file_is_refused_whole_and_recorded_with_its_reason(people, clerk):
    data = LAYOUT.file([line(1, people["care"][1]), line(2, people["support"][1], service="67")])
    cut = data[:data.index("トレーラ".encode())]  # the trailer lost: cut short
    with pytest.raises(RecordFileInvalid, match="最終行（3行目）がトレーラ"):
        records_file_receive(cut, file_name="cut.csv", month=MONTH, actor=clerk)
    refused = RecordFile.objects.get()
    assert refused.refused and refused.applied == 0
    assert not BenefitRecord.objects.exists() and not RecordLineError.objects.exists()
    with pytest.raises(RecordFileInvalid, match="受付不可として記録済み"):
        records_file_receive(cut, file_name="cut.csv", month=MONTH, actor=clerk)
    received = records_file_receive(data, file_name="whole.csv", month=MONTH, actor=clerk)  # the corrected file
    assert received.applied == 2


def test_nothing_is_half_applied_when_the_import_fails_midway(people, clerk, monkeypatch):
    from benefits.records import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "copy_rows", broken)
    with pytest.raises(RuntimeError):
        records_file_receive(LAYOUT.file([line(1, people["care"][1])]), file_name="x.csv", month=MONTH, actor=clerk)
    assert not RecordFile.objects.exists() and not BenefitRecord.objects.exists()


@pytest.mark.parametrize(("role", "organisation"), [
    (Role.WARD_CLERK, Organisation.NAKAHARA), (Role.INQUIRY, Organisation.HEAD_OFFICE),
    (Role.SECTION_CHIEF, Organisation.HEAD_OFFICE),
])
def test_only_the_benefit_runners_take_in_a_file(people, make_staff, role, organisation):
    with pytest.raises(NotPermitted):
        records_file_receive(LAYOUT.file([line(1, people["care"][1])]), file_name="x.csv", month=MONTH,
                             actor=make_staff(role, organisation=organisation))
    assert not RecordFile.objects.exists()


def test_the_simulated_month_fits_the_certifications_and_is_taken_in_whole(people, clerk):
    certified = certified_people(SERVICE_MONTH)
    assert {p.insured_number for p in certified} == {people[k][1] for k in ("care", "support", "ending")}
    made = simulate_records(certified * 1, service_month=SERVICE_MONTH, seed=3, reimbursed_share=0.3,
                            uncertified=[people["never"][1]], unknown=2, mismatched=1, bad_lines=11)
    parsed = parse_record_file(made.data, month=made.month)
    assert {e.line_no: e.code for e in parsed.errors} == made.injected
    assert len(set(made.injected.values())) == 11  # every kind of fault once
    levels = {p.insured_number: max(p.levels) for p in certified}
    good = [r for r in parsed.records if r.line_no not in made.refused]
    assert good
    for number, level in levels.items():
        mine = [r for r in good if r.insured_number == number]
        assert all(fits_level(r.service_type, level) for r in mine)
        assert sum(r.units for r in mine if SERVICE_TYPES[r.service_type].within_limit) <= monthly_limit(level,
                                                                                                         SERVICE_MONTH)
    received = records_file_receive(made.data, file_name="sim.csv", month=made.month, actor=clerk)
    codes = {e.line_no: e.code for e in RecordLineError.objects.filter(file=received.file)}
    assert codes == {**made.injected, **made.refused}
    assert received.applied == len(good) and received.file.reimbursed == sum(r.route == "reimbursed" for r in good)


def test_the_simulator_is_deterministic_for_a_seed(people):
    certified = certified_people(SERVICE_MONTH)
    one = simulate_records(certified, service_month=SERVICE_MONTH, seed=5)
    assert one.data == simulate_records(certified, service_month=SERVICE_MONTH, seed=5).data
    assert one.data != simulate_records(certified, service_month=SERVICE_MONTH, seed=6).data


# --- screens ------------------------------------------------------------------------------------------------

@pytest.fixture
def received(people, clerk):
    lines = [line(1, people["care"][1]), line(2, people["care"][1], service="15", route="2"),
             line(3, people["never"][1]), line(4, people["care"][1], month="202609", units=500)]
    return records_file_receive(LAYOUT.file(lines), file_name="kyufu_202611.csv", month=MONTH, actor=clerk)


def test_head_office_sees_the_files_and_their_rejected_lines_without_personal_data(client_as, received, people):
    client = client_as(Role.HEAD_OFFICE_CLERK, organisation=Organisation.HEAD_OFFICE)
    body = client.get("/benefits/records/files/").content.decode()
    assert "kyufu_202611.csv" in body and "令和8（2026）年11月" in body
    page = client.get(f"/benefits/records/files/{received.file.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "4行目: サービス提供年月に有効な要介護・要支援認定がありません" in body
    assert "認定のない月の実績" in body
    assert people["never"][1] not in body and people["care"][1] not in body
    assert not AccessLogEntry.objects.exists()  # nothing personal shown
    assert client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA).get(
        "/benefits/records/files/").status_code == 403
    assert client_as(Role.HEAD_OFFICE_CLERK).get("/benefits/records/files/999999/").status_code == 404


def test_a_persons_records_are_shown_per_month_and_logged(client_as, received, people):
    care = people["care"][0]
    client = client_as(Role.INQUIRY, organisation=Organisation.HEAD_OFFICE)
    response = client.get(f"/benefits/records/persons/{care.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "令和8（2026）年10月: 2件" in body and "令和8（2026）年9月: 1件" in body
    assert "償還払い" in body and "訪問介護" in body and "通所介護" in body
    [entry] = AccessLogEntry.objects.filter(function="benefit.records")
    assert entry.person_ids == [care.pk]


def test_a_persons_records_outside_the_ward_are_refused_where_views_are_by_ward(client_as, received, people, settings):
    settings.KAIGO_WARD_VIEW_SCOPE = "ward"
    care = people["care"][0]  # lives in 中原区
    response = client_as(Role.WARD_CLERK, organisation=Organisation.ASAO).get(f"/benefits/records/persons/{care.pk}/")
    assert response.status_code == 403
    [refusal] = AccessLogEntry.objects.filter(function__startswith="benefit.records")
    assert (refusal.function, refusal.person_ids) == ("benefit.records.denied", [care.pk])
    assert client_as(Role.CERTIFICATION_CLERK).get(f"/benefits/records/persons/{care.pk}/").status_code == 403


def test_the_summary_for_the_benefits_tab(received, people, make_staff):
    care = people["care"][0]
    summary = records_summary_for(actor=make_staff(Role.WARD_CLERK, organisation=Organisation.NAKAHARA),
                                  request=None, resident=care, today=date(2026, 11, 20))
    assert [(m.service_month, m.records, m.reimbursed) for m in summary.months] == [
        (SERVICE_MONTH, 2, 1), (date(2026, 9, 1), 1, 0)]
    october = summary.months[0]
    assert october.total_cost == 11_120 + 11_120 and october.copayment == 2 * (11_120 - 10_008)
    from django.template.loader import render_to_string

    html = render_to_string("benefits/records/_summary.html", {"section": summary, "resident": care})
    assert "令和8（2026）年10月" in html and "22,240" in html and f"/benefits/records/persons/{care.pk}/" in html
    with pytest.raises(NotPermitted):
        records_summary_for(actor=make_staff(Role.OPERATOR), request=None, resident=care, today=date(2026, 11, 20))


def test_the_commands_write_a_month_and_take_it_in(people, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = tmp_path / "kyufu.csv"
    printed = StringIO()
    call_command("simulate_benefit_records", "--service-month", "2026-10", "--seed", "2", "--out", str(out),
                 "--unknown", "1", stdout=printed)
    assert "3 certified persons" in printed.getvalue() and out.read_bytes().startswith("連番,".encode())
    printed = StringIO()
    call_command("receive_benefit_records", str(out), "--month", "2026-11", stdout=printed)
    file = RecordFile.objects.get()
    assert file.rejected == 1 and file.applied == BenefitRecord.objects.count() > 0
    assert f"file {file.pk}: {file.applied:,} records, 1 lines refused" in printed.getvalue()
    call_command("receive_benefit_records", str(out), "--month", "2026-11", stdout=printed)
    assert "received before, nothing changed" in printed.getvalue() and RecordFile.objects.count() == 1
