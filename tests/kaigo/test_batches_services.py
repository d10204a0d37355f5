"""Batch services in-process (no worker): planning, exactly-once per chunk, locking, closing."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext

import psycopg
import pytest
from django.db import connection
from django.db.models.functions import Now

from kaigo.batches import services
from kaigo.batches.models import BatchChunk, BatchError, BatchRun, DemoResult
from kaigo.batches.registry import ChunkSpec, UnknownBatchKind, ranges
from kaigo.errors import ApplicationError, InvalidState
from kaigo.staff.roles import Role


@pytest.mark.parametrize(
    ("lo", "hi", "size", "expected"),
    [
        pytest.param(1, 11, 5, [(1, 6, 5), (6, 11, 5)], id="exact"),
        pytest.param(1, 12, 5, [(1, 6, 5), (6, 11, 5), (11, 12, 1)], id="remainder"),
        pytest.param(1, 3, 10, [(1, 3, 2)], id="one-small-chunk"),
        pytest.param(5, 5, 10, [], id="empty"),
    ],
)
def test_ranges_split_a_key_range(lo, hi, size, expected):
    assert ranges(lo, hi, size) == [ChunkSpec(*t) for t in expected]


def start(**params) -> BatchRun:
    return services.batch_start(kind="demo.squares", params={k: str(v) for k, v in params.items()}, actor=None,
                                origin=BatchRun.Origin.COMMAND)


@pytest.mark.django_db
def test_start_plans_chunks_and_queues_them_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(services, "batch_dispatch", lambda run_id: queued.append(run_id))
    with django_capture_on_commit_callbacks(execute=True):
        run = start(records=2_500, chunk_size=1_000)
    assert (run.chunk_count, run.total, run.status) == (3, 2_500, BatchRun.Status.RUNNING)
    assert list(run.chunks.values_list("seq", "lo", "hi", "size")) == [(0, 1, 1001, 1000), (1, 1001, 2001, 1000), (2, 2001, 2501, 500)]
    assert queued == [run.pk]


@pytest.mark.django_db
def test_a_run_here_processes_every_chunk_in_this_process_and_queues_nothing(django_capture_on_commit_callbacks,
                                                                             monkeypatch):
    queued = []
    monkeypatch.setattr(services, "batch_dispatch", lambda run_id: queued.append(run_id))
    with django_capture_on_commit_callbacks(execute=True):
        run = services.batch_run_here(kind="demo.squares", params={"records": "2500", "chunk_size": "1000",
                                                                    "reject_every": "1000"},
                                      actor=None, origin=BatchRun.Origin.COMMAND)
    assert queued == []
    assert (run.status, run.total, run.processed, run.succeeded, run.failed) == ("succeeded", 2_500, 2_500, 2_498, 2)
    assert set(run.chunks.values_list("status", "attempts")) == {(BatchChunk.Status.DONE, 1)}
    assert DemoResult.objects.filter(run=run).count() == 2_498


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        pytest.param({"records": "0", "chunk_size": "10"}, "件数", id="zero-records"),
        pytest.param({"records": "abc", "chunk_size": "10"}, "件数", id="not-a-number"),
        pytest.param({"records": "10"}, "チャンクの件数", id="missing-chunk-size"),
        pytest.param({"records": "10", "chunk_size": "5", "crash_chunks": "1,x"}, "カンマ", id="bad-list"),
    ],
)
def test_start_rejects_bad_parameters_in_japanese_and_creates_nothing(params, fragment):
    with pytest.raises(ApplicationError) as error:
        services.batch_start(kind="demo.squares", params=params, actor=None, origin=BatchRun.Origin.COMMAND)
    assert error.value.code == "invalid_params"
    assert error.value.message.startswith("パラメータが正しくありません。")
    assert fragment in error.value.message
    assert not BatchRun.objects.exists()


@pytest.mark.django_db
def test_unknown_kind_is_refused():
    with pytest.raises(UnknownBatchKind, match="登録されていません"):
        services.batch_start(kind="no.such", params={}, actor=None, origin=BatchRun.Origin.COMMAND)
    assert not BatchRun.objects.exists()


@pytest.mark.django_db
def test_a_chunk_is_processed_once_even_when_delivered_twice():
    run = start(records=1_000, chunk_size=600)
    first, second = run.chunks.order_by("seq")
    assert services.chunk_process(first.pk) == "done"
    assert services.chunk_process(first.pk) == "skipped-finished"
    run.refresh_from_db()
    assert (run.processed, run.status) == (600, BatchRun.Status.RUNNING)
    assert services.chunk_process(second.pk) == "done"
    run.refresh_from_db()
    assert (run.processed, run.succeeded, run.status) == (1_000, 1_000, BatchRun.Status.SUCCEEDED)
    assert run.finished_at is not None
    assert DemoResult.objects.filter(run=run).count() == 1_000


@pytest.mark.django_db
def test_a_failing_chunk_leaves_nothing_behind():
    run = start(records=100, chunk_size=100, crash_chunks="0")
    chunk = run.chunks.get()
    with pytest.raises(RuntimeError):
        services.chunk_process(chunk.pk)
    chunk.refresh_from_db()
    run.refresh_from_db()
    assert (chunk.status, chunk.attempts, run.processed) == (BatchChunk.Status.PENDING, 1, 0)
    assert not DemoResult.objects.exists()
    services.chunk_mark_failed(chunk.pk, error="DemoCrash")
    run.refresh_from_db()
    assert run.status == BatchRun.Status.FAILED
    assert BatchError.objects.get(run=run).code == "chunk_failed"


@contextmanager
def lock_held_by_another_session(sql: str, params: list):
    """Another connection (another worker) holds a row lock until the block ends."""
    db = connection.settings_dict
    other = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    try:
        other.execute(sql, params)
        yield
    finally:
        other.rollback()
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_chunk_held_by_another_worker_is_skipped_not_done_twice():
    run = start(records=10, chunk_size=10)
    chunk = run.chunks.get()
    with lock_held_by_another_session("SELECT 1 FROM batches_batchchunk WHERE id = %s FOR UPDATE", [chunk.pk]):
        assert services.chunk_process(chunk.pk) == "skipped-locked"
    assert services.chunk_process(chunk.pk) == "done"
    assert DemoResult.objects.filter(run=run).count() == 10


@pytest.mark.django_db(transaction=True)
def test_a_chunk_is_not_skipped_because_its_run_row_is_locked():
    """Finishing chunks lock the run row to add to its counters; that must not make a free
    chunk look taken (regression: a default ordering joined the run into the FOR UPDATE)."""
    run = start(records=10, chunk_size=10)
    chunk = run.chunks.get()
    with lock_held_by_another_session("SELECT 1 FROM batches_batchrun WHERE id = %s FOR KEY SHARE", [run.pk]):
        assert services.chunk_process(chunk.pk) == "done"


@pytest.mark.django_db
def test_resume_refuses_a_succeeded_run():
    run = start(records=10, chunk_size=10)
    services.chunk_process(run.chunks.get().pk)
    with pytest.raises(InvalidState, match="正常終了したバッチは再実行できません"):
        services.batch_resume(run_id=run.pk, actor=None)


@pytest.mark.django_db
def test_resume_reopens_failed_chunks_only(monkeypatch):
    monkeypatch.setattr(services, "batch_dispatch", lambda run_id: None)
    run = start(records=20, chunk_size=10, crash_chunks="1")
    done, failing = run.chunks.order_by("seq")
    services.chunk_process(done.pk)
    services.chunk_mark_failed(failing.pk, error="DemoCrash")
    run = services.batch_resume(run_id=run.pk, actor=None)
    assert run.status == BatchRun.Status.RUNNING and run.resume_count == 1
    assert dict(run.chunks.values_list("seq", "status")) == {0: "done", 1: "pending"}


@pytest.mark.django_db
def test_count_mismatch_of_a_kind_is_an_error(monkeypatch):
    from kaigo.batches.batch_kinds import DemoSquares
    from kaigo.batches.registry import ChunkOutcome

    run = start(records=10, chunk_size=10)
    monkeypatch.setattr(DemoSquares, "process", lambda self, run, chunk: ChunkOutcome(succeeded=3))
    with pytest.raises(ApplicationError) as error:
        services.chunk_process(run.chunks.get().pk)
    assert error.value.code == "chunk_count_mismatch"
    run.refresh_from_db()
    assert run.processed == 0


def test_safe_error_never_carries_the_exception_message():
    leaky = psycopg.errors.UniqueViolation("duplicate key value violates unique constraint DETAIL: Key (name)=(山田 太郎)")
    assert services.safe_error(leaky) == "UniqueViolation (SQLSTATE 23505)"
    assert services.safe_error(ValueError("山田 太郎")) == "ValueError"
    assert services.safe_error(ApplicationError("入力誤り", code="bad")) == "bad: 入力誤り"


def age(run: BatchRun, *, seconds: float, queued: bool = True) -> None:
    """Make the run look as if its last progress (and its chunks' queueing) were ``seconds`` ago."""
    from datetime import timedelta

    from django.utils import timezone

    then = timezone.now() - timedelta(seconds=seconds)
    BatchRun.objects.filter(pk=run.pk).update(last_progress_at=then, started_at=then)
    BatchChunk.objects.filter(run=run).update(queued_at=then if queued else None)


@pytest.fixture
def requeued(monkeypatch, settings):
    """The chunks the supervisor queues again, by run (nothing reaches Redis)."""
    settings.BATCH_STALL_AFTER = 90
    queued: dict[int, list[int]] = {}

    def dispatch(run_id, chunk_ids=None):
        if chunk_ids is None:  # batch_start's own dispatch
            return 0
        queued.setdefault(run_id, []).extend(chunk_ids)
        BatchChunk.objects.filter(pk__in=chunk_ids).update(queued_at=Now())
        return len(chunk_ids)

    from django.db.models.functions import Now

    monkeypatch.setattr(services, "batch_dispatch", dispatch)
    return queued


@pytest.mark.django_db
def test_supervisor_requeues_the_lost_chunks_of_a_run_without_progress_only(requeued):
    stalled = start(records=30, chunk_size=10)
    fresh = start(records=10, chunk_size=10)
    age(stalled, seconds=120)
    first, second, third = stalled.chunks.order_by("seq")
    services.chunk_process(first.pk)  # done: progress now, so age the run again
    age(stalled, seconds=120)
    BatchChunk.objects.filter(pk=third.pk).update(queued_at=Now())  # queued a moment ago: its task is alive

    assert services.batch_supervise() == {stalled.pk: "requeued"}
    assert requeued == {stalled.pk: [second.pk]}
    stalled.refresh_from_db()
    assert (stalled.requeue_count, stalled.resume_count, stalled.stalled_at) == (1, 0, None)
    assert services.batch_supervise() == {stalled.pk: "waiting"}  # queued just now: not again in this window
    assert requeued == {stalled.pk: [second.pk]} and fresh.pk not in requeued


@pytest.mark.django_db
def test_supervisor_marks_a_run_stalled_when_its_requeued_chunks_are_not_taken_up(requeued):
    from datetime import timedelta

    from django.utils import timezone

    run = start(records=10, chunk_size=10)
    age(run, seconds=300)
    assert services.batch_supervise() == {run.pk: "requeued"}
    # another window later, still no progress: the worker is not there
    age(run, seconds=300)
    BatchRun.objects.filter(pk=run.pk).update(requeued_at=timezone.now() - timedelta(seconds=200))
    assert services.batch_supervise() == {run.pk: "stalled"}
    run.refresh_from_db()
    assert run.is_stalled and "ワーカー（celery worker）が動いているか確認してください" in run.stalled_reason
    assert requeued[run.pk] == [run.chunks.get().pk] * 2  # queued again anyway

    services.chunk_process(run.chunks.get().pk)  # progress clears the mark
    run.refresh_from_db()
    assert (run.status, run.stalled_at, run.stalled_reason) == (BatchRun.Status.SUCCEEDED, None, "")


@pytest.mark.django_db
def test_supervisor_closes_a_run_whose_chunks_are_all_finished(requeued):
    run = start(records=10, chunk_size=10)
    BatchChunk.objects.filter(run=run).update(status=BatchChunk.Status.DONE)  # its close was lost
    age(run, seconds=120)
    assert services.batch_supervise() == {run.pk: "closed"}
    run.refresh_from_db()
    assert run.status == BatchRun.Status.SUCCEEDED and requeued == {}


@pytest.mark.django_db
def test_supervisor_leaves_a_run_processed_here_alone_until_it_is_resumed(requeued, monkeypatch):
    from kaigo.batches.batch_kinds import DemoCrash

    with pytest.raises(DemoCrash):  # the in-process run stops at its crashing chunk, left running
        services.batch_run_here(kind="demo.squares", params={"records": "30", "chunk_size": "10",
                                                              "crash_chunks": "1"},
                                actor=None, origin=BatchRun.Origin.COMMAND)
    run = BatchRun.objects.get()
    age(run, seconds=600, queued=False)
    assert services.batch_supervise() == {} and requeued == {}  # its chunks may depend on their order

    monkeypatch.setattr(services.transaction, "on_commit", lambda callback: None)  # no worker here
    services.batch_resume(run_id=run.pk, actor=None)
    age(run, seconds=600, queued=False)
    assert services.batch_supervise() == {run.pk: "requeued"}
    assert sorted(requeued[run.pk]) == sorted(run.chunks.exclude(status="done").values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_supervisor_names_the_session_that_holds_a_chunk_and_does_not_requeue_it(requeued, settings):
    import time

    settings.BATCH_STALL_AFTER = 0.5
    run = start(records=20, chunk_size=10)
    held, free = run.chunks.order_by("seq")
    age(run, seconds=5)
    with lock_held_by_another_session("SELECT pg_backend_pid() FROM batches_batchchunk WHERE id = %s FOR UPDATE",
                                      [held.pk]):
        time.sleep(1)  # the holder's transaction is older than BATCH_STALL_AFTER
        assert services.batch_supervise() == {run.pk: "stalled"}
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()")
            pids = {row[0] for row in cursor.fetchall()}
    run.refresh_from_db()
    assert requeued == {run.pk: [free.pk]}
    assert "チャンク 0 が" in run.stalled_reason and "ロックされたままです" in run.stalled_reason
    assert any(f"PostgreSQL のプロセス {pid}）" in run.stalled_reason for pid in pids)


@pytest.mark.django_db
def test_a_dispatch_that_redis_refuses_marks_the_run_stalled_and_keeps_its_chunks(monkeypatch):
    import kombu.exceptions

    from kaigo.batches import tasks

    sent = []

    def delay(chunk_id):
        if len(sent) == 2:
            raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        sent.append(chunk_id)

    monkeypatch.setattr(tasks.batch_chunk_process, "delay", delay)
    run = services.batch_start(kind="demo.squares", params={"records": "50", "chunk_size": "10"}, actor=None,
                               origin=BatchRun.Origin.COMMAND, dispatch=False)
    assert services.batch_dispatch(run.pk) == 2
    run.refresh_from_db()
    assert run.is_stalled
    assert run.stalled_reason.startswith("作業キュー（Redis）に接続できないため、"
                                         "チャンク 3 件をキューに登録できませんでした。")
    assert "127.0.0.1" not in run.stalled_reason
    assert run.chunks.filter(queued_at__isnull=False).count() == 2
    assert run.chunks.filter(status=BatchChunk.Status.PENDING).count() == 5


@pytest.mark.parametrize(
    ("exc", "down"),
    [
        pytest.param(psycopg.OperationalError("connection refused"), True, id="no-sqlstate"),
        pytest.param(psycopg.errors.AdminShutdown("terminating connection"), True, id="57P01-shutdown"),
        pytest.param(psycopg.errors.CannotConnectNow("starting up"), True, id="57P03-starting"),
        pytest.param(psycopg.errors.ConnectionFailure("lost"), True, id="08006-connection"),
        pytest.param(psycopg.errors.DeadlockDetected("deadlock"), False, id="40P01-deadlock"),
        pytest.param(psycopg.errors.UniqueViolation("dup"), False, id="23505-unique"),
        pytest.param(ValueError("x"), False, id="not-a-database-error"),
    ],
)
def test_database_unavailable_tells_a_missing_database_from_a_refused_chunk(exc, down):
    from django.db import utils

    wrapped = exc
    if isinstance(exc, psycopg.Error):  # as Django raises it: its own class, psycopg's as the cause
        wrapped = (utils.OperationalError if isinstance(exc, psycopg.OperationalError) else utils.IntegrityError)("x")
        wrapped.__cause__ = exc
    assert services.database_unavailable(wrapped) is down


@pytest.mark.django_db
def test_changes_made_by_a_chunk_carry_the_run_in_the_change_trail(monkeypatch):
    from eligibility.codes import Ward
    from eligibility.models import Resident
    from eligibility.trail import ResidentEvent
    from kaigo.batches.batch_kinds import DemoSquares
    from kaigo.batches.registry import ChunkOutcome
    from tests.eligibility.factories import make_resident

    resident = make_resident(ward=Ward.NAKAHARA)

    def process(self, run, chunk):
        Resident.objects.filter(pk=resident.pk).update(ward=Ward.TAMA)  # a bulk path
        return ChunkOutcome(succeeded=chunk.size)

    monkeypatch.setattr(DemoSquares, "process", process)
    run = start(records=10, chunk_size=10)
    services.chunk_process(run.chunks.get().pk)
    event = ResidentEvent.objects.filter(pgh_obj_id=resident.pk, pgh_label="update").get()
    assert event.pgh_context == {"function": "demo.squares", "batch_run_id": run.pk}


@pytest.mark.django_db
def test_a_chunk_binds_its_run_and_operator_to_the_transaction_for_copy_writes(monkeypatch, make_staff):
    """psycopg's COPY does not go through Django's execute: the chunk's context must already be
    bound to the transaction (read here through the raw connection, past pghistory's prefix)."""
    import json

    from kaigo.batches.batch_kinds import DemoSquares
    from kaigo.batches.registry import ChunkOutcome

    operator = make_staff(Role.OPERATOR, username="operator01")
    seen = []

    def process(self, run, chunk):
        seen.append(connection.connection.execute(
            "SELECT current_setting('pghistory.context_metadata', true)").fetchone()[0])
        return ChunkOutcome(succeeded=chunk.size)

    monkeypatch.setattr(DemoSquares, "process", process)
    run = services.batch_start(kind="demo.squares", params={"records": "10", "chunk_size": "10"}, actor=operator,
                               origin=BatchRun.Origin.SCREEN)
    assert services.chunk_process(run.chunks.get().pk) == "done"
    assert [json.loads(s) for s in seen] == [
        {"staff_id": operator.pk, "username": "operator01", "function": "demo.squares", "batch_run_id": run.pk}]


@pytest.mark.django_db
def test_without_a_chunk_context_a_chunk_refuses_to_run_and_writes_nothing(monkeypatch):
    """Fails closed: with no provider (the audit app's, from its AppConfig.ready), a chunk's
    changes could not be traced to their run, so the chunk does not run at all."""
    from django.core.exceptions import ImproperlyConfigured

    from kaigo.batches import registry

    monkeypatch.setattr(registry, "_chunk_context", None)
    run = start(records=10, chunk_size=10)
    chunk = run.chunks.get()
    with pytest.raises(ImproperlyConfigured, match="no chunk context"):
        services.chunk_process(chunk.pk)
    chunk.refresh_from_db()
    run.refresh_from_db()
    assert (chunk.status, run.processed) == (BatchChunk.Status.PENDING, 0)
    assert not DemoResult.objects.exists()


def test_the_chunk_context_is_provided_once(monkeypatch):
    from audit.receivers import batch_chunk_trail
    from kaigo.batches import registry

    assert registry._chunk_context is batch_chunk_trail  # the audit app's, from its AppConfig.ready
    registry.chunk_context_provide(batch_chunk_trail)  # again, the same: nothing changes
    with pytest.raises(RuntimeError, match="provided twice"):
        registry.chunk_context_provide(lambda run: nullcontext())
    assert registry._chunk_context is batch_chunk_trail
