"""Receiving the tax file and the pension listings against the simulators (real PostgreSQL): facts
stored, every bad line kept with its number and reason, nothing applied twice, corrections
queued for the re-levy, listings matched to residents by kana name, birth date and sex."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from eligibility.models import Resident
from kaigo.outbox.models import OutboxEvent
from linkage.pension.simulator import PensionSnapshot, simulate_targets_file
from linkage.tax.simulator import TaxSnapshot, simulate_tax_corrections, simulate_tax_file
from premiums.intake.services import InboundFileInvalid, pension_listing_receive, tax_file_receive
from premiums.intake.tax_feed.format import LAYOUT as TAX_LAYOUT
from premiums.models import InboundLineError, LevyPending, PensionFact, TaxFact
from synthetic.city import generate

pytestmark = pytest.mark.django_db

FY = 2026


def city(residents: int = 1_500, seed: int = 5) -> list[TaxSnapshot]:
    generate(residents=residents, seed=seed, as_of=date(2026, 4, 1))
    return [TaxSnapshot(*r) for r in Resident.objects.order_by("household_id", "id").values_list(
        "id", "household_id", "relation", "birth_date", "sex")]


def line_errors(received) -> dict[int, str]:
    return dict(InboundLineError.objects.filter(file=received.file).values_list("line_no", "code"))


def test_a_tax_file_is_stored_with_its_bad_lines_and_a_resend_changes_nothing():
    people = city()
    simulated = simulate_tax_file(people, fiscal_year=FY, seed=3, serial_start=1, bad_lines=12)

    received = tax_file_receive(simulated.data, file_name="tax.csv", fiscal_year=FY)
    again = tax_file_receive(simulated.data, file_name="tax.csv", fiscal_year=FY)

    errors = line_errors(received)
    assert {n: errors.get(n) for n in simulated.injected} == simulated.injected
    assert received.applied == len(simulated.records) - sum(
        1 for r in simulated.records if r.line_no in errors)
    assert TaxFact.objects.filter(fiscal_year=FY, recorded_to__isnull=True).count() == received.applied
    assert (again.created, TaxFact.objects.count()) == (False, received.applied)
    # messages name the line and the reason, never a value of the line
    lines = simulated.data.decode().split("\n")
    for line_no, message in InboundLineError.objects.values_list("line_no", "message"):
        assert message.startswith(f"{line_no}行目")
        values = [v for v in lines[line_no - 1].split(",") if len(v) >= 3]
        assert not [v for v in values if v in message.split(":", 1)[1]], message


def test_unknown_persons_wrong_birth_dates_and_resent_serials_are_refused_per_line():
    people = city(residents=300, seed=6)
    simulated = simulate_tax_file(people, fiscal_year=FY, seed=4, serial_start=1)
    tax_file_receive(simulated.data, file_name="tax.csv", fiscal_year=FY)
    text = simulated.data.decode()
    _, first, second, *_ = text.split("\n")
    # another file: the first line again (same serial), the second for an unknown person and a new serial
    fields = second.split(",")
    fields[0] = "777777777777"
    fields[3] = "999999999"
    changed = TAX_LAYOUT.file([first, ",".join(fields)])

    received = tax_file_receive(changed, file_name="tax2.csv", fiscal_year=FY)

    assert line_errors(received) == {2: "serial_received", 3: "person_unknown"}
    assert (received.applied, received.rejected, received.duplicates) == (0, 1, 1)


def test_corrections_replace_the_facts_and_queue_the_year_for_the_re_levy():
    people = city(residents=1_000, seed=7)
    initial = simulate_tax_file(people, fiscal_year=FY, seed=5, serial_start=1)
    tax_file_receive(initial.data, file_name="tax.csv", fiscal_year=FY)
    corrections = simulate_tax_corrections(initial.records, fiscal_year=FY, seed=5, share=0.05,
                                           serial_start=500_000)

    received = tax_file_receive(corrections.data, file_name="tax-kosei.csv", fiscal_year=FY)

    corrected = {r.person_id for r in corrections.records}
    assert received.applied == len(corrections.records) > 0
    assert set(TaxFact.objects.filter(correction=True, recorded_to__isnull=True).values_list(
        "resident_id", flat=True)) == corrected
    # one current fact per person, the previous kept as history
    assert TaxFact.objects.filter(resident_id__in=corrected, recorded_to__isnull=False).count() == len(corrected)
    assert set(LevyPending.objects.values_list("resident_id", flat=True)) == corrected
    # each 更正 announced once, ids only (the co-payment ratio recalculates from it)
    events = OutboxEvent.objects.filter(topic="premiums.tax_corrected")
    current = dict(TaxFact.objects.filter(correction=True, recorded_to__isnull=True).values_list("resident_id", "id"))
    assert sorted((e.person_id, e.effective_from, e.payload["tax_fact"], e.payload["fiscal_year"]) for e in events) == \
        sorted((p, date(FY, 4, 1), current[p], FY) for p in corrected)
    assert all(set(e.payload) == {"fiscal_year", "tax_fact", "file"} for e in events)


def test_a_file_with_a_wrong_header_is_refused_whole():
    with pytest.raises(InboundFileInvalid):
        tax_file_receive(b"a,b\n1,2\n", file_name="x.csv", fiscal_year=FY)
    assert not TaxFact.objects.exists()


def test_pension_listings_are_matched_by_kana_name_birth_date_and_sex():
    generate(residents=1_500, seed=8, as_of=date(2026, 4, 1))
    residents = list(Resident.objects.all())
    snapshots = [PensionSnapshot(r.pk, r.name_kana, r.birth_date, r.sex) for r in residents]
    simulated = simulate_targets_file(snapshots, fiscal_year=FY, seed=2, serial_start=1, unmatched=5, bad_lines=4)

    received = pension_listing_receive(simulated.data, file_name="tokucho.csv", notice="00", month=(FY, 5))

    errors = line_errors(received)
    assert {n: errors.get(n) for n in simulated.injected} == simulated.injected
    assert {n: errors.get(n) for n in simulated.unmatched} == dict.fromkeys(simulated.unmatched, "person_not_found")
    facts = dict(PensionFact.objects.filter(file=received.file).values_list("serial", "resident_id"))
    assert len(facts) == received.applied > 0
    matched = {simulated.persons[n] for n in simulated.persons if n not in errors}
    assert set(facts.values()) == matched
    # May's listing starts deductions in October: it counts for this fiscal year
    assert set(PensionFact.objects.values_list("fiscal_year", "listed_in")) == {(FY, date(FY, 5, 1))}
    assert Counter(errors.values()).get("already_listed", 0) == sum(
        1 for n in simulated.persons if errors.get(n) == "already_listed")


def test_pension_deduction_results_become_payments_and_failures_are_listed():
    from linkage.pension.simulator import PensionIdentity, simulate_results_file
    from premiums.intake.services import pension_results_receive
    from premiums.levy.services import main_levy_chunk
    from premiums.models import Payment
    from synthetic.premium_facts import premium_facts_generate

    generate(residents=2_000, seed=9, as_of=date(2026, 4, 1))
    premium_facts_generate(fiscal_year=FY, seed=9)
    main_levy_chunk(fiscal_year=FY, lo=0, hi=10**12)
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT l.resident_id, i.amount FROM premiums_levy l JOIN premiums_levyinstallment i "
                       "ON i.levy_id = l.id WHERE i.method = 'pension' AND i.month = '2026-04-01'")
        april = dict(cursor.fetchall())
    residents = {r.pk: r for r in Resident.objects.filter(pk__in=list(april))}
    requested = {PensionIdentity("010", f"{pid:010d}", "1150", "old_age", residents[pid].birth_date,
                                 residents[pid].sex, residents[pid].name_kana): amount for pid, amount in april.items()}
    simulated = simulate_results_file(requested, month=(FY, 4), seed=3)

    received = pension_results_receive(simulated.data, file_name="kekka.csv", month=(FY, 4))

    errors = dict(InboundLineError.objects.filter(file=received.file).values_list("line_no", "code"))
    assert {n: errors.get(n) for n in simulated.not_deducted} == dict.fromkeys(simulated.not_deducted, "not_deducted")
    deducted = Payment.objects.filter(channel="pension", month=date(FY, 4, 1))
    assert deducted.count() == received.applied == len(april) - len(simulated.not_deducted) - sum(
        1 for code in errors.values() if code == "person_ambiguous")
    assert all(p.amount == april[p.resident_id] for p in deducted)
    assert pension_results_receive(simulated.data, file_name="kekka.csv", month=(FY, 4)).created is False


def test_the_receive_command_prints_the_counts_and_refuses_a_wrong_file(tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    people = city(residents=200, seed=12)
    path = tmp_path / "tax.csv"
    path.write_bytes(simulate_tax_file(people, fiscal_year=FY, seed=1, serial_start=1).data)
    out = StringIO()
    call_command("receive_premium_file", str(path), "--kind", "tax", "--fiscal-year", str(FY), stdout=out)
    assert "applied" in out.getvalue() and TaxFact.objects.exists()
    call_command("receive_premium_file", str(path), "--kind", "tax", "--fiscal-year", str(FY), stdout=out)
    assert "received before" in out.getvalue()
    path.write_bytes(b"x,y\n1,2\n")
    with pytest.raises(CommandError, match="受け付けられません"):
        call_command("receive_premium_file", str(path), "--kind", "payment")
