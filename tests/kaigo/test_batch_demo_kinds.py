"""No demo batch kind in the production console (issue 16, item 8): a kind marked ``demo_only``
(the demo squares) is offered and started only with synthetic data (``KAIGO_SYNTHETIC_DATA``);
without it, it is absent from the console's list and from ``batch_run``'s listing, its start form
is 404 and starting it by any path is refused as an unknown kind. Both modes are tested."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaigo.batches import services
from kaigo.batches.models import BatchRun
from kaigo.batches.registry import UnknownBatchKind, all_kinds, get_kind
from kaigo.staff.roles import Role

pytestmark = pytest.mark.django_db

DEMO = "demo.squares"
PARAMS = {"records": "10", "chunk_size": "5"}


@pytest.fixture(autouse=True)
def no_dispatch(monkeypatch):
    monkeypatch.setattr(services, "batch_dispatch", lambda run_id: 0)


@pytest.fixture(params=[True, False], ids=["synthetic", "production"])
def synthetic(request, settings):
    settings.KAIGO_SYNTHETIC_DATA = request.param
    return request.param


def test_the_demo_squares_are_the_demo_kinds_and_no_real_kind_is_one():
    assert get_kind(DEMO).demo_only
    assert [k.name for k in all_kinds() if k.demo_only] == [DEMO]  # synthetic in tests: listed


def test_console_offers_the_demo_kind_only_with_synthetic_data(client_as, synthetic):
    client = client_as(Role.OPERATOR)
    page = client.get("/batches/").content.decode()
    assert (f'value="{DEMO}"' in page) is synthetic
    assert 'value="premiums.main_levy"' in page  # the real kinds are offered in both modes
    assert client.get(f"/batches/start/?kind={DEMO}").status_code == (200 if synthetic else 404)
    response = client.post("/batches/start/", {"kind": DEMO, **PARAMS})
    assert response.status_code == (302 if synthetic else 404)
    assert BatchRun.objects.filter(kind=DEMO).count() == (1 if synthetic else 0)


def test_service_refuses_the_demo_kind_without_synthetic_data(synthetic):
    if synthetic:
        assert services.batch_start(kind=DEMO, params=PARAMS, actor=None, origin=BatchRun.Origin.COMMAND).total == 10
        return
    with pytest.raises(UnknownBatchKind) as refused:
        services.batch_start(kind=DEMO, params=PARAMS, actor=None, origin=BatchRun.Origin.COMMAND)
    assert refused.value.message == f"バッチ種別「{DEMO}」は登録されていません。"
    assert not BatchRun.objects.exists()


def test_batch_run_lists_and_starts_the_demo_kind_only_with_synthetic_data(capsys, synthetic):
    call_command("batch_run")
    listing = capsys.readouterr().out
    assert (DEMO in listing) is synthetic and "premiums.main_levy" in listing
    if synthetic:
        call_command("batch_run", DEMO, "-p", "records=10", "-p", "chunk_size=5", "--detach")
        assert BatchRun.objects.filter(kind=DEMO).count() == 1
        return
    with pytest.raises(CommandError) as refused:
        call_command("batch_run", DEMO, "-p", "records=10", "-p", "chunk_size=5", "--detach")
    assert str(refused.value) == f"バッチ種別「{DEMO}」は登録されていません。"
    assert not BatchRun.objects.exists()
