"""The batch framework against real Celery workers, Redis and PostgreSQL, including crashes."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from kaigo.batches.models import BatchChunk, BatchError, BatchRun, DemoResult
from kaigo.batches.services import batch_resume, batch_start

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_until(predicate, *, timeout: float, what: str, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    detail = f"\nworker log:\n{worker.log_tail()}" if worker else ""
    pytest.fail(f"timed out waiting for {what}{detail}")


def done_chunks(run: BatchRun) -> int:
    return BatchChunk.objects.filter(run=run, status=BatchChunk.Status.DONE).count()


def finished(run: BatchRun) -> bool:
    run.refresh_from_db()
    return run.is_finished


def assert_each_record_once(run: BatchRun, records: int) -> None:
    rows = DemoResult.objects.filter(run=run)
    assert rows.count() == records
    assert rows.values("record_no").distinct().count() == records
    assert rows.aggregate(s=Sum("record_no"))["s"] == records * (records + 1) // 2
    assert not rows.values("record_no").annotate(n=Count("id")).filter(n__gt=1).exists()


def start_demo(**params) -> BatchRun:
    return batch_start(kind="demo.squares", params={k: str(v) for k, v in params.items()}, actor=None,
                       origin=BatchRun.Origin.COMMAND)


def test_batch_is_split_into_chunks_processed_in_parallel_by_workers(start_worker):
    worker = start_worker(concurrency=2)
    run = start_demo(records=20_000, chunk_size=2_000, reject_every=1_000)

    wait_until(lambda: finished(run), timeout=60, what="the run to finish", worker=worker)

    assert run.status == BatchRun.Status.SUCCEEDED
    assert (run.chunk_count, run.total, run.processed, run.succeeded, run.failed) == (10, 20_000, 20_000, 19_980, 20)
    assert DemoResult.objects.filter(run=run).count() == 19_980
    assert sorted(BatchError.objects.filter(run=run).values_list("record_key", flat=True)) == sorted(
        str(n) for n in range(1_000, 20_001, 1_000)
    )
    assert set(BatchChunk.objects.filter(run=run).values_list("status", flat=True)) == {"done"}


def test_worker_killed_mid_run_then_resumed_processes_every_record_exactly_once(start_worker):
    records, chunk_size = 12_000, 300  # 40 chunks of ~0.25 s each on 2 processes: about 5 s
    first = start_worker(concurrency=2)
    run = start_demo(records=records, chunk_size=chunk_size, delay_ms=250)
    wait_until(lambda: done_chunks(run) >= 6, timeout=60, what="some chunks to be done", worker=first)

    first.kill()  # SIGKILL to the worker and its pool: two chunk transactions die half-done
    time.sleep(0.5)  # let PostgreSQL finish any COMMIT that was already on the wire

    done_at_kill = done_chunks(run)
    assert done_at_kill < run.chunk_count, "the worker must die mid-run for this test to mean anything"
    run.refresh_from_db()
    assert run.status == BatchRun.Status.RUNNING
    assert run.processed == done_at_kill * chunk_size  # nothing of a half-done chunk was kept
    assert DemoResult.objects.filter(run=run).count() == done_at_kill * chunk_size

    # resume before the new worker starts: it would otherwise take the chunks still queued from the
    # first start and could finish the run before the resume, which refuses a finished run
    batch_resume(run_id=run.pk, actor=None)
    second = start_worker(concurrency=2)
    wait_until(lambda: finished(run), timeout=90, what="the resumed run to finish", worker=second)

    assert run.status == BatchRun.Status.SUCCEEDED
    assert (run.processed, run.succeeded, run.failed, run.resume_count) == (records, records, 0, 1)
    assert_each_record_once(run, records)
    assert BatchChunk.objects.filter(run=run).aggregate(s=Sum("succeeded"))["s"] == records


def test_pool_process_killed_mid_chunk_is_redelivered_without_operator(start_worker):
    records = 6_000
    worker = start_worker(concurrency=2)
    run = start_demo(records=records, chunk_size=300, delay_ms=300)
    wait_until(lambda: done_chunks(run) >= 2, timeout=60, what="some chunks to be done", worker=worker)

    children = psutil.Process(worker.pid).children()
    assert children, "prefork pool processes expected"
    os.kill(children[0].pid, signal.SIGKILL)  # the main worker process survives and re-queues the task

    wait_until(lambda: finished(run), timeout=90, what="the run to finish", worker=worker)
    assert run.status == BatchRun.Status.SUCCEEDED
    assert (run.processed, run.succeeded, run.resume_count) == (records, records, 0)
    assert_each_record_once(run, records)


def test_failing_chunk_is_retried_with_backoff_then_marked_failed_without_stopping_others(start_worker):
    worker = start_worker(concurrency=2)  # 2 retries, 0.2 s then 0.4 s
    run = start_demo(records=5_000, chunk_size=500, crash_chunks="3", flaky_chunks="5")

    wait_until(lambda: finished(run), timeout=60, what="the run to finish", worker=worker)

    assert run.status == BatchRun.Status.FAILED
    chunks = {c.seq: c for c in BatchChunk.objects.filter(run=run)}
    assert chunks[3].status == BatchChunk.Status.FAILED
    assert chunks[3].attempts == 3  # first try and two retries
    assert chunks[3].error == "DemoCrash"
    assert chunks[5].status == BatchChunk.Status.DONE and chunks[5].attempts == 2
    assert all(c.status == BatchChunk.Status.DONE for seq, c in chunks.items() if seq != 3)
    assert (run.processed, run.succeeded, run.failed) == (4_500, 4_500, 0)
    error = BatchError.objects.get(run=run, code="chunk_failed")
    assert error.record_key == "チャンク3" and "再試行後も失敗しました" in error.message

    # Resuming re-runs only the failed chunk; it fails again, and nothing is counted twice.
    batch_resume(run_id=run.pk, actor=None)
    wait_until(lambda: finished(run), timeout=60, what="the resumed run to finish", worker=worker)
    assert run.status == BatchRun.Status.FAILED
    assert (run.processed, run.succeeded) == (4_500, 4_500)
    assert DemoResult.objects.filter(run=run).count() == 4_500


def test_batch_run_command_shows_progress_and_reports_the_outcome(start_worker, capsys):
    worker = start_worker()
    call_command("batch_run", "demo.squares", "-p", "records=3000", "-p", "chunk_size=500")
    out, err = capsys.readouterr()
    run = BatchRun.objects.get()
    assert f"バッチ #{run.pk}: 正常終了（処理 3000 / 対象 3000、成功 3000、エラー 0）" in out
    assert "3000/3000" in err  # the progress bar reached the end
    assert worker.process.poll() is None


def test_batch_run_command_exits_non_zero_when_records_fail(start_worker, capsys):
    start_worker()
    with pytest.raises(CommandError) as error:
        call_command("batch_run", "demo.squares", "-p", "records=1000", "-p", "chunk_size=500", "-p", "reject_every=500")
    assert error.value.returncode == 1
    assert "#" in str(error.value) and "確認してください" in str(error.value)
    assert "エラー 2" in capsys.readouterr().out
