"""The batch console screens and API: who may see and operate, what they show."""

from __future__ import annotations

import pytest

from kaigo.batches import services
from kaigo.batches.models import BatchRun
from kaigo.staff.roles import Role


@pytest.fixture
def no_dispatch(monkeypatch):
    """Screens are tested without a worker: chunks stay pending."""
    monkeypatch.setattr(services, "batch_dispatch", lambda run_id, chunk_ids=None: 0)


def make_run(**params) -> BatchRun:
    defaults = {"records": "100", "chunk_size": "50"}
    return services.batch_start(kind="demo.squares", params={**defaults, **params}, actor=None,
                                origin=BatchRun.Origin.COMMAND)


MATRIX = [
    # role, list/detail, start form, resume
    pytest.param(None, 302, 302, 302, id="anonymous"),
    pytest.param(Role.WARD_CLERK, 403, 403, 403, id="ward-clerk"),
    pytest.param(Role.INQUIRY, 403, 403, 403, id="inquiry"),
    pytest.param(Role.AUDITOR, 200, 403, 403, id="auditor"),
    pytest.param(Role.HEAD_OFFICE_CLERK, 200, 403, 403, id="head-office"),
    pytest.param(Role.OPERATOR, 200, 200, 302, id="operator"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "view", "start", "resume"), MATRIX)
def test_authorisation_matrix(client, client_as, no_dispatch, role, view, start, resume):
    run = make_run(crash_chunks="0")
    services.chunk_mark_failed(run.chunks.get(seq=0).pk, error="DemoCrash")
    if role is not None:
        client = client_as(role)
    assert client.get("/batches/").status_code == view
    assert client.get(f"/batches/{run.pk}/").status_code == view
    assert client.get("/batches/start/?kind=demo.squares").status_code == start
    response = client.post(f"/batches/{run.pk}/resume/")
    assert response.status_code == resume
    run.refresh_from_db()
    assert run.resume_count == (1 if role == Role.OPERATOR else 0)  # a denial changes nothing
    if role == Role.OPERATOR:
        assert run.resumed_by == client.staff and run.resumed_at is not None


@pytest.mark.django_db
def test_operator_starts_a_batch_from_the_console(client_as, no_dispatch):
    client = client_as(Role.OPERATOR)
    response = client.post("/batches/start/", {"kind": "demo.squares", "records": "1200", "chunk_size": "500",
                                               "delay_ms": "", "reject_every": ""})
    run = BatchRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/batches/{run.pk}/"
    assert (run.operator, run.origin, run.total, run.chunk_count) == (client.staff, "screen", 1200, 3)
    page = client.get(response["Location"]).content.decode()
    assert "デモ: 平方の計算" in page and "実行中" in page
    assert 'hx-trigger="every 2s"' in page  # live progress while it runs


@pytest.mark.django_db
def test_start_form_shows_errors_in_japanese_and_starts_nothing(client_as, no_dispatch):
    client = client_as(Role.OPERATOR)
    response = client.post("/batches/start/", {"kind": "demo.squares", "records": "-5", "chunk_size": "abc"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "この値は 1 以上にしてください" in body or "1 以上" in body
    assert "整数を入力してください" in body
    assert not BatchRun.objects.exists()


@pytest.mark.django_db
def test_unknown_kind_on_the_start_form_is_404(client_as):
    assert client_as(Role.OPERATOR).get("/batches/start/?kind=nope").status_code == 404


@pytest.mark.django_db
def test_detail_lists_rejected_records_and_failed_chunks(client_as, no_dispatch):
    run = make_run(records="100", chunk_size="50", reject_every="25", crash_chunks="1")
    first, second = run.chunks.order_by("seq")
    services.chunk_process(first.pk)
    services.chunk_mark_failed(second.pk, error="DemoCrash")
    body = client_as(Role.AUDITOR).get(f"/batches/{run.pk}/").content.decode()
    assert "一部失敗" in body
    assert "デモ: レコード 25 は検証で不合格としました。" in body
    assert "チャンク 1（50 件）は再試行後も失敗しました: DemoCrash" in body
    assert "未処理・失敗分を再実行" not in body  # auditors see, operators act
    assert 'hx-trigger="every 2s"' not in body  # finished: no polling


@pytest.mark.django_db
def test_htmx_request_gets_only_the_table(client_as, no_dispatch):
    make_run()
    client = client_as(Role.OPERATOR)
    partial = client.get("/batches/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "<table" in partial


@pytest.mark.django_db
def test_run_list_query_count_does_not_grow_with_runs(client_as, no_dispatch, django_assert_max_num_queries):
    client = client_as(Role.OPERATOR)
    for _ in range(3):
        make_run()
    with django_assert_max_num_queries(6) as small:
        client.get("/batches/")
    for _ in range(20):
        make_run()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/batches/")
    assert response.content.decode().count("/batches/") >= 23


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [(Role.OPERATOR, 200), (Role.AUDITOR, 200), (Role.WARD_CLERK, 403)])
def test_api_lists_runs_for_those_who_may_see_them(client_as, no_dispatch, role, status):
    run = make_run()
    response = client_as(role).get("/api/batches/")
    assert response.status_code == status
    if status == 200:
        (item,) = response.json()
        assert (item["id"], item["kind"], item["status"], item["total"], item["percent"]) == (
            run.pk, "demo.squares", "running", 100, 0,
        )
        detail = client_as(role).get(f"/api/batches/{run.pk}/").json()
        assert detail["chunk_count"] == 2


@pytest.mark.django_db
def test_openapi_schema_is_served_to_staff(client_as):
    response = client_as(Role.OPERATOR).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/batches/" in response.content


@pytest.mark.django_db
def test_a_stalled_run_shows_its_reason_and_a_run_without_progress_says_so(client_as, no_dispatch, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.BATCH_STALL_AFTER = 90
    stalled, quiet, moving = make_run(), make_run(), make_run()
    reason = "チャンク 3 が 120 秒以上ロックされたままです（PostgreSQL のプロセス 4242）。"
    services.batch_mark_stalled(stalled.pk, reason=reason)
    BatchRun.objects.filter(pk=quiet.pk).update(last_progress_at=timezone.now() - timedelta(seconds=300))
    client = client_as(Role.AUDITOR)

    body = client.get(f"/batches/{stalled.pk}/").content.decode()
    assert "実行中（停滞）" in body and "停滞の理由" in body
    assert reason in body
    body = client.get(f"/batches/{quiet.pk}/").content.decode()
    assert "実行中（停滞）" in body and "秒間、進捗がありません。監視ジョブが未処理のチャンクを登録し直します。" in body
    body = client.get(f"/batches/{moving.pk}/").content.decode()
    assert "停滞" not in body
    listing = client.get("/batches/").content.decode()
    assert listing.count("実行中（停滞）") == 2

    before = BatchRun.objects.values_list("pk", "stalled_at", "stalled_reason", "last_progress_at").order_by("pk")
    snapshot = list(before)
    client.get(f"/batches/{quiet.pk}/")  # the shown state is derived: a GET changes nothing
    assert list(before.all()) == snapshot
