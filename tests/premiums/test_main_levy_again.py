"""The main levy (本算定) started a second time for the same fiscal year (issue 16, item 8): it asks
for confirmation and says what it will do, from the console and from `batch_run`, and is refused
without it. What a run again really does (main_levy_chunk): everyone with a current 本算定 or
correction is skipped unchanged; only persons with none yet (new in the year, refused last time
for want of tax facts) are levied."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kaigo.batches import services
from kaigo.batches.models import BatchRun
from kaigo.batches.registry import ConfirmationRequired, confirmation_token
from kaigo.staff.roles import Role
from premiums.models import Levy
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db

FY = 2026
PARAMS = {"fiscal_year": str(FY), "business_date": "2026-07-15"}


@pytest.fixture(autouse=True)
def no_dispatch(monkeypatch):
    monkeypatch.setattr(services, "batch_dispatch", lambda run_id: 0)


def first_run() -> BatchRun:
    return services.batch_run_here(kind="premiums.main_levy", params=PARAMS, actor=None, origin=BatchRun.Origin.COMMAND)


def notice(run: BatchRun, *, to_levy: int) -> str:
    day = timezone.localtime(run.started_at).date()
    assert day.year == 2026  # the 和暦 below is worked by hand for 2026 (令和8年)
    head = (f"令和8年度（2026年度）の本算定は 令和8年{day.month}月{day.day}日（{day.isoformat()}）に実行済みです"
            f"（バッチ #{run.pk}、{run.get_status_display()}）。")
    what = (f"もう一度実行すると、本算定・更正済みの人は変更せず、まだ本算定のない人だけを賦課します（{to_levy:,}人）。"
            if to_levy else "もう一度実行しても、まだ本算定のない人はいないため何もしません（0人）。")
    return head + what + "異動や課税の変更を反映するには「保険料の更正（異動分の再賦課）」を実行してください。"


@pytest.fixture
def year_run_once():
    """A levied, one refused for want of tax facts, then a newcomer: two to levy on a run again."""
    levied, no_tax = make_elderly(), make_elderly()
    make_tax_fact(levied, FY, household_taxed=True)
    run = first_run()
    assert (run.succeeded, run.failed) == (1, 1)
    newcomer = make_elderly()
    make_tax_fact(newcomer, FY, household_taxed=True)
    return run, levied, no_tax, newcomer


def test_the_first_main_levy_of_a_year_starts_without_confirmation():
    make_tax_fact(make_elderly(), FY, household_taxed=True)
    assert services.batch_start(kind="premiums.main_levy", params=PARAMS, actor=None,
                                origin=BatchRun.Origin.COMMAND).total == 1


def test_a_second_run_is_refused_without_confirmation_saying_what_it_would_do(year_run_once):
    run = year_run_once[0]
    with pytest.raises(ConfirmationRequired) as asked:
        services.batch_start(kind="premiums.main_levy", params=PARAMS, actor=None, origin=BatchRun.Origin.COMMAND)
    assert asked.value.message == notice(run, to_levy=2)
    assert BatchRun.objects.count() == 1


def test_confirmed_it_levies_only_those_without_a_main_levy_and_changes_nobody_else(year_run_once):
    _, levied, no_tax, newcomer = year_run_once
    before = Levy.objects.get(resident=levied, fiscal_year=FY, recorded_to__isnull=True)
    again = services.batch_run_here  # processes in this process; confirmation goes through batch_start
    with pytest.raises(ConfirmationRequired):
        again(kind="premiums.main_levy", params=PARAMS, actor=None, origin=BatchRun.Origin.COMMAND)
    second = services.batch_start(kind="premiums.main_levy", params=PARAMS, actor=None,
                                  origin=BatchRun.Origin.COMMAND, confirmed=True)
    for chunk_id in second.chunks.values_list("pk", flat=True):
        services.chunk_process(chunk_id)
    second.refresh_from_db()
    assert (second.total, second.succeeded, second.failed) == (3, 2, 1)  # levied skipped, newcomer levied, no tax
    assert Levy.objects.get(resident=levied, fiscal_year=FY, recorded_to__isnull=True).pk == before.pk
    assert Levy.objects.filter(resident=newcomer, fiscal_year=FY).count() == 1
    assert not Levy.objects.filter(resident=no_tax).exists()
    # the third time: only the one still without tax facts; once levied, a run again does nothing
    with pytest.raises(ConfirmationRequired) as asked:
        services.batch_start(kind="premiums.main_levy", params=PARAMS, actor=None, origin=BatchRun.Origin.COMMAND)
    assert asked.value.message == notice(second, to_levy=1)
    make_tax_fact(no_tax, FY, household_taxed=False)
    third = services.batch_start(kind="premiums.main_levy", params=PARAMS, actor=None,
                                 origin=BatchRun.Origin.COMMAND, confirmed=True)
    for chunk_id in third.chunks.values_list("pk", flat=True):
        services.chunk_process(chunk_id)
    with pytest.raises(ConfirmationRequired) as asked:
        services.batch_start(kind="premiums.main_levy", params=PARAMS, actor=None, origin=BatchRun.Origin.COMMAND)
    assert asked.value.message == notice(BatchRun.objects.get(pk=third.pk), to_levy=0)


def test_another_year_is_not_asked(year_run_once):
    make_tax_fact(make_elderly(), 2025, household_taxed=True)
    run = services.batch_start(kind="premiums.main_levy", params={"fiscal_year": "2025", "business_date": "2026-07-15"},
                               actor=None, origin=BatchRun.Origin.COMMAND)
    assert run.params["fiscal_year"] == 2025


def test_batch_run_refuses_without_confirm_and_starts_with_it(year_run_once):
    run = year_run_once[0]
    args = ["batch_run", "premiums.main_levy", "-p", f"fiscal_year={FY}", "-p", "business_date=2026-07-15", "--detach"]
    with pytest.raises(CommandError) as refused:
        call_command(*args)
    assert str(refused.value) == notice(run, to_levy=2) + "\n実行する場合は --confirm を付けてもう一度指定してください。"
    assert BatchRun.objects.count() == 1
    call_command(*args, "--confirm")
    assert BatchRun.objects.filter(kind="premiums.main_levy").count() == 2


def test_console_shows_what_it_will_do_and_starts_only_when_confirmed(client_as, year_run_once):
    run = year_run_once[0]
    client = client_as(Role.OPERATOR)
    form = {"kind": "premiums.main_levy", **PARAMS, "persons_per_chunk": ""}
    response = client.post("/batches/start/", form)
    page = response.content.decode()
    expected = notice(run, to_levy=2)
    assert response.status_code == 200 and expected in page and "確認のうえ実行する" in page
    token = confirmation_token(expected)
    assert f'name="confirmed" value="{token}"' in page
    assert BatchRun.objects.count() == 1
    # a confirmation given for another notice (another year, an old count) does not start it
    assert client.post("/batches/start/", {**form, "confirmed": confirmation_token("別の内容")}).status_code == 200
    assert BatchRun.objects.count() == 1
    response = client.post("/batches/start/", {**form, "confirmed": token})
    second = BatchRun.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/batches/{second.pk}/"
    assert (second.pk != run.pk, second.operator, second.origin) == (True, client.staff, "screen")
