"""Batches recover by themselves (issue 17 item 5): faults with real workers, beat, Redis and PostgreSQL.

Each test starts its own throwaway Redis (and, for the database fault, its own PostgreSQL), real
`celery worker` processes and a real `celery beat` that sends the supervisor every second, so that
stopping a server disturbs nothing else of the suite. Each run ends complete with a result
identical, row by row, to an undisturbed run of the same parameters (``digest``), and the time to
recover is printed (``pytest -s``; the figures are in docs/subsystems/batches.md).

The supervisor's timings are shortened by settings (``KAIGO_BATCH_STALL_AFTER`` 4 s, a pass every
second); the visibility timeout stays at an hour, so no recovery here comes from Redis handing a
task on: the supervisor does it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psutil
import psycopg
import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.db import connection

from kaigo.batches import services, tasks
from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.celery import app as celery_app
from kaigo.devenv import VAR, EmbeddedPostgres, EmbeddedRedis, pick_port
from tests.conftest import BASE_DIR, _database_url_of_test_db, _wait_for_other_sessions_to_close

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

# 24 chunks of 100 records, 0.15 s each: about 2 s on two worker processes, 3.6 s on one.
PARAMS = {"records": "2400", "chunk_size": "100", "delay_ms": "150", "reject_every": "97"}
STALL_AFTER = 4
FAST_SUPERVISOR = {
    "KAIGO_BATCH_STALL_AFTER": str(STALL_AFTER),
    "KAIGO_BATCH_SUPERVISE_EVERY": "1",
    "KAIGO_BATCH_RETRY_BACKOFF": "0.5",
    "KAIGO_BATCH_MAX_RETRIES": "2",
    "KAIGO_CELERY_VISIBILITY_TIMEOUT": "3600",
}

DIGEST_SQL = """
SELECT r.status, r.total, r.processed, r.succeeded, r.failed,
       (SELECT count(*) FROM batches_demoresult d WHERE d.run_id = r.id),
       (SELECT md5(string_agg(d.record_no || ':' || d.value, ',' ORDER BY d.record_no))
          FROM batches_demoresult d WHERE d.run_id = r.id),
       (SELECT md5(string_agg(e.record_key || ':' || e.code || ':' || e.message, ',' ORDER BY e.record_key))
          FROM batches_batcherror e WHERE e.run_id = r.id),
       (SELECT count(*) FROM batches_batchchunk c WHERE c.run_id = r.id AND c.status <> 'done')
FROM batches_batchrun r WHERE r.id = %s
"""


def digest(cursor, run_id: int) -> tuple:
    """The run's outcome record by record: counters, every written row and every rejected record
    (each as a hash over all of them in key order) and the chunks not done."""
    cursor.execute(DIGEST_SQL, [run_id])
    return tuple(cursor.fetchone())


@pytest.fixture(scope="module")
def undisturbed(django_db_setup, django_db_blocker):
    """The digest of an undisturbed run of PARAMS: every chunk processed once, in order, by the
    framework's own chunk code (services.batch_run_here), nothing killed or stopped."""
    with django_db_blocker.unblock():
        run = services.batch_run_here(kind="demo.squares", params=dict(PARAMS), actor=None,
                                      origin=BatchRun.Origin.COMMAND)
        with connection.cursor() as cursor:
            result = digest(cursor, run.pk)
        BatchRun.objects.filter(pk=run.pk).delete()
    assert result[0] == "succeeded" and result[2] == 2400 and result[4] == 24  # 97, 194, ... rejected
    return result


class Bench:
    """Throwaway servers and real worker / beat / command processes for one test."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.restarting: dict[subprocess.Popen, int] = {}  # workers under a restart policy: concurrency
        self.worker_restarts = 0
        self.redis: EmbeddedRedis | None = None
        self.postgres: EmbeddedPostgres | None = None
        self.database_url = _database_url_of_test_db()
        # the queue this test process publishes to (on the test's own Redis: nothing else reads it)
        self.queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
        self.t0 = time.monotonic()

    # --- servers -------------------------------------------------------------------------------
    def start_redis(self, *, persistent: bool) -> None:
        self.redis = EmbeddedRedis(self.tmp_path / "redis", pick_port(), persistent=persistent)
        self.redis.start()

    def crash_redis(self) -> None:
        """SIGKILL: what a crash or an out-of-memory kill does (an AOF is written every second)."""
        self.redis.process.kill()
        self.redis.process.wait(10)

    def restart_redis(self) -> None:
        self.redis.start()  # same port and data directory

    def start_postgres_copy(self) -> None:
        """A PostgreSQL of this test's own, holding a copy of the test database (schema and rows)."""
        datadir = VAR / f"fault-pg-{uuid.uuid4().hex[:8]}"
        self.postgres = EmbeddedPostgres(datadir, pick_port())
        self.postgres.start()
        self.postgres.ensure_database("kaigo_fault")
        db = connection.settings_dict
        source = f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT']}/{db['NAME']}"
        dump = subprocess.run([str(self.postgres.bin / "pg_dump"), "--no-owner", "--no-privileges", "-d", source],
                              check=True, capture_output=True)
        subprocess.run([str(self.postgres.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d",
                        self.postgres.url("kaigo_fault")], input=dump.stdout, check=True, capture_output=True)
        self.database_url = self.postgres.url("kaigo_fault") + "?application_name=kaigo-fault-worker"

    def fault_db(self):
        return psycopg.connect(self.postgres.url("kaigo_fault"), autocommit=True)

    # --- processes -----------------------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url(),
            "KAIGO_CELERY_QUEUE": self.queue,
            "KAIGO_KEYRING_FILE": django_settings.KAIGO_KEYRING_FILE,
            "KAIGO_AUDIT_HEADS_PATH": django_settings.KAIGO_AUDIT_HEADS_PATH,
            "PYTHONUNBUFFERED": "1",
            **FAST_SUPERVISOR,
            **extra,
        }

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        process = subprocess.Popen([sys.executable, *args], env=self.env(), cwd=BASE_DIR, stdout=log.open("w"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        process.log = log
        self.processes.append(process)
        return process

    def start_worker(self, concurrency: int = 2, *, restart: bool = False) -> subprocess.Popen:
        """A worker; ``restart``: run under a restart policy, as docker-compose runs the workers
        (``restart: unless-stopped``): Celery 5 / kombu can end a worker with "Unrecoverable error"
        when the broker's connection drops while it restores unacknowledged messages (seen here:
        AttributeError 'NoneType' object has no attribute 'hostname'); the orchestrator starts it
        again, and the supervisor re-queues what the queue lost. ``keep_up`` plays the orchestrator."""
        worker = self._spawn_worker(concurrency)
        if restart:
            self.restarting[worker] = concurrency
        probe = Celery("probe", broker=self.redis.url(), set_as_current=False)
        try:
            wait_until(lambda: worker.poll() is None and probe.control.ping(destination=[worker.hostname],
                                                                            timeout=0.5),
                       timeout=60, what="the worker to answer", bench=self)
        finally:
            probe.close()
        return worker

    def _spawn_worker(self, concurrency: int) -> subprocess.Popen:
        hostname = f"fault-{uuid.uuid4().hex[:8]}@localhost"
        worker = self.spawn(hostname.split("@")[0], [
            "-m", "celery", "-A", "kaigo", "worker", "--loglevel", "INFO", "--pool", "prefork", "--concurrency",
            str(concurrency), "--hostname", hostname, "--without-gossip", "--without-mingle"])
        worker.hostname = hostname
        return worker

    def keep_up(self) -> None:
        """Start again each worker under a restart policy that has ended (docker's restart policy)."""
        for worker, concurrency in list(self.restarting.items()):
            if worker.poll() is not None:
                del self.restarting[worker]
                self.restarting[self._spawn_worker(concurrency)] = concurrency
                self.worker_restarts += 1
                print(f"worker ended (exit {worker.returncode}) and was started again at {self.elapsed():.1f} s")
    def start_beat(self) -> subprocess.Popen:
        return self.spawn("beat", ["-m", "celery", "-A", "kaigo", "beat", "--loglevel", "INFO",
                                   "--schedule", str(self.tmp_path / "beat-schedule")])

    def batch_run(self) -> subprocess.Popen:
        """`manage.py batch_run` as an operator types it; it follows the run until it ends."""
        args = [str(BASE_DIR / "manage.py"), "batch_run", "demo.squares"]
        for name, value in PARAMS.items():
            args += ["-p", f"{name}={value}"]
        return self.spawn("batch_run", args)

    def stop(self) -> None:
        for process in self.processes:  # the whole group: a killed parent's pool processes too
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(10)
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()
            subprocess.run(["rm", "-rf", str(self.postgres.datadir), str(self.postgres.socket_dir),
                            str(self.postgres.logfile)], check=False)

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name}\n" + "\n".join(p.log.read_text(errors="replace").splitlines()[-25:])
                         for p in self.processes)

    def elapsed(self) -> float:
        return time.monotonic() - self.t0


def wait_until(predicate, *, timeout: float, what: str, bench: Bench | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bench is not None:
            bench.keep_up()
        try:
            if predicate():
                return
        except (psycopg.OperationalError, OSError):
            pass
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}" + (f"\n{bench.logs()}" if bench else ""))


@pytest.fixture
def bench(tmp_path):
    bench = Bench(tmp_path)
    yield bench
    bench.stop()
    _wait_for_other_sessions_to_close()


@contextmanager
def publishing_to(url: str):
    """This test process queues its tasks to ``url`` (the test's own Redis) inside the block."""

    def reset():
        celery_app._pool = None
        amqp = celery_app.__dict__.get("amqp")
        if amqp is not None:
            amqp._producer_pool = None

    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous
        reset()


def run_of(bench: Bench) -> BatchRun:
    wait_until(lambda: BatchRun.objects.exists(), timeout=60, what="the run to be registered", bench=bench)
    return BatchRun.objects.get()


def done_chunks(run: BatchRun) -> int:
    return BatchChunk.objects.filter(run=run, status=BatchChunk.Status.DONE).count()


def finished(run: BatchRun) -> bool:
    run.refresh_from_db()
    return run.is_finished


def report(what: str, *, fault_at: float, cleared_at: float, finished_at: float, run: BatchRun | None = None) -> None:
    extra = f", re-queued by the supervisor {run.requeue_count}x" if run is not None else ""
    print(f"\n[recovery] {what}: fault at {fault_at:.1f} s, cleared at {cleared_at:.1f} s, run complete at "
          f"{finished_at:.1f} s: recovered {finished_at - cleared_at:.1f} s after the fault cleared "
          f"({finished_at - fault_at:.1f} s after the fault){extra}")


def assert_command_ended_cleanly(process: subprocess.Popen, bench: Bench) -> str:
    wait_until(lambda: process.poll() is not None, timeout=60, what="batch_run to end", bench=bench)
    out = process.log.read_text(errors="replace")
    assert "Traceback" not in out, out
    assert process.returncode == 1, out  # the demo's rejected records make it exit 1, as undisturbed
    assert "正常終了（処理 2400 / 対象 2400、成功 2376、エラー 24）" in out, out
    return out


def test_pool_process_killed_by_sigkill(bench, undisturbed):
    bench.start_redis(persistent=True)
    worker = bench.start_worker()
    bench.start_beat()
    command = bench.batch_run()
    run = run_of(bench)
    wait_until(lambda: done_chunks(run) >= 3, timeout=60, what="some chunks done", bench=bench)

    child = psutil.Process(worker.pid).children()[0]
    fault_at = bench.elapsed()
    os.kill(child.pid, signal.SIGKILL)  # the main process re-queues its task (reject_on_worker_lost)

    wait_until(lambda: finished(run), timeout=90, what="the run to finish", bench=bench)
    report("pool process SIGKILL", fault_at=fault_at, cleared_at=fault_at, finished_at=bench.elapsed(), run=run)
    assert_command_ended_cleanly(command, bench)
    with connection.cursor() as cursor:
        assert digest(cursor, run.pk) == undisturbed


def test_worker_parent_killed_by_sigkill_is_recovered_by_the_supervisor(bench, undisturbed):
    bench.start_redis(persistent=True)
    doomed = bench.start_worker(concurrency=2)
    bench.start_worker(concurrency=1)  # a second worker, as with `--scale worker=2`
    bench.start_beat()
    command = bench.batch_run()
    run = run_of(bench)
    wait_until(lambda: done_chunks(run) >= 3, timeout=60, what="some chunks done", bench=bench)

    fault_at = bench.elapsed()
    os.kill(doomed.pid, signal.SIGKILL)  # the parent only: its reserved tasks stay unacknowledged in Redis

    wait_until(lambda: finished(run), timeout=90, what="the run to finish", bench=bench)
    report("worker parent SIGKILL", fault_at=fault_at, cleared_at=fault_at, finished_at=bench.elapsed(), run=run)
    assert_command_ended_cleanly(command, bench)
    with connection.cursor() as cursor:
        assert digest(cursor, run.pk) == undisturbed
    assert run.requeue_count >= 1, "the tasks the killed parent held wait an hour in Redis: only the supervisor helps"


@pytest.mark.parametrize("persistent", [True, False], ids=["aof", "no-persistence"])
def test_redis_stopped_during_dispatch(bench, undisturbed, persistent, monkeypatch):
    bench.start_redis(persistent=persistent)
    bench.start_worker(restart=True)  # under the restart policy production uses (docker-compose)
    bench.start_beat()
    sent = []
    original = tasks.batch_chunk_process.delay
    fault_at = None

    def delay(chunk_id):
        nonlocal fault_at
        if len(sent) == 8:  # Redis goes down after the 8th of the 24 chunks was queued
            fault_at = bench.elapsed()
            bench.crash_redis()
        sent.append(chunk_id)
        return original(chunk_id)  # a real publish: to a live Redis, then to a dead one

    monkeypatch.setattr(tasks.batch_chunk_process, "delay", delay)
    with publishing_to(bench.redis.url()):
        run = services.batch_start(kind="demo.squares", params=dict(PARAMS), actor=None,
                                   origin=BatchRun.Origin.COMMAND)
    monkeypatch.undo()
    run.refresh_from_db()
    assert run.is_stalled and "作業キュー（Redis）に接続できないため、チャンク 16 件を" in run.stalled_reason
    assert BatchChunk.objects.filter(run=run, queued_at__isnull=False).count() == 8

    time.sleep(2)
    cleared_at = bench.elapsed()
    bench.restart_redis()

    wait_until(lambda: finished(run), timeout=90, what="the run to finish", bench=bench)
    report(f"Redis stopped during dispatch ({'AOF' if persistent else 'no persistence'})", fault_at=fault_at,
           cleared_at=cleared_at, finished_at=bench.elapsed(), run=run)
    assert (run.stalled_at, run.stalled_reason) == (None, "")
    with connection.cursor() as cursor:
        assert digest(cursor, run.pk) == undisturbed


def test_batch_run_with_redis_down_says_so_and_finishes_once_redis_is_back(bench, undisturbed):
    bench.start_redis(persistent=False)
    bench.start_worker(restart=True)  # under the restart policy production uses (docker-compose)
    bench.start_beat()
    bench.crash_redis()
    fault_at = bench.elapsed()
    command = bench.batch_run()
    run = run_of(bench)
    wait_until(lambda: "作業キュー（Redis）に接続できないため" in command.log.read_text(errors="replace"),
               timeout=60, what="batch_run to say Redis is down", bench=bench)
    out = command.log.read_text(errors="replace")
    assert f"バッチ #{run.pk} は登録しましたが" in out and "操作は不要です" in out
    time.sleep(2)
    cleared_at = bench.elapsed()
    bench.restart_redis()

    wait_until(lambda: finished(run), timeout=90, what="the run to finish", bench=bench)
    report("Redis down when batch_run starts", fault_at=fault_at, cleared_at=cleared_at,
           finished_at=bench.elapsed(), run=run)
    out = assert_command_ended_cleanly(command, bench)
    assert "停滞: 作業キュー（Redis）に接続できないため" in out and "処理が再開しました" in out
    with connection.cursor() as cursor:
        assert digest(cursor, run.pk) == undisturbed


@pytest.mark.parametrize("persistent", [True, False], ids=["aof", "no-persistence"])
def test_redis_stopped_during_processing(bench, undisturbed, persistent):
    bench.start_redis(persistent=persistent)
    bench.start_worker(restart=True)  # under the restart policy production uses (docker-compose)
    bench.start_beat()
    command = bench.batch_run()
    run = run_of(bench)
    wait_until(lambda: done_chunks(run) >= 4, timeout=60, what="some chunks done", bench=bench)

    fault_at = bench.elapsed()
    bench.crash_redis()
    time.sleep(3)
    cleared_at = bench.elapsed()
    bench.restart_redis()

    wait_until(lambda: finished(run), timeout=120, what="the run to finish", bench=bench)
    report(f"Redis crashed during processing ({'AOF' if persistent else 'no persistence'})", fault_at=fault_at,
           cleared_at=cleared_at, finished_at=bench.elapsed(), run=run)
    worker_log = "".join(p.log.read_text(errors="replace") for p in bench.processes if "fault-" in p.log.name)
    print(f"[recovery]   running tasks cancelled on the connection loss: "
          f"{worker_log.count('cannot be acknowledged after a connection loss')}")
    assert_command_ended_cleanly(command, bench)
    with connection.cursor() as cursor:
        assert digest(cursor, run.pk) == undisturbed


def test_postgres_stopped_for_longer_than_the_retries(bench, undisturbed):
    bench.start_redis(persistent=True)
    bench.start_postgres_copy()
    bench.start_worker()
    bench.start_beat()
    command = bench.batch_run()
    with bench.fault_db() as db:
        wait_until(lambda: db.execute("SELECT count(*) FROM batches_batchchunk WHERE status = 'done'").fetchone()[0]
                   >= 4, timeout=60, what="some chunks done", bench=bench)
        run_id = db.execute("SELECT id FROM batches_batchrun").fetchone()[0]

    fault_at = bench.elapsed()
    bench.postgres.stop()  # fast shutdown: the chunks in flight are rolled back
    time.sleep(6)  # the retries (0.5 s, then 1 s) are long spent: those chunks gave up waiting
    cleared_at = bench.elapsed()
    bench.postgres.start()

    def run_finished():
        with bench.fault_db() as db:
            return db.execute("SELECT status <> 'running' FROM batches_batchrun WHERE id = %s", [run_id]).fetchone()[0]

    wait_until(run_finished, timeout=120, what="the run to finish", bench=bench)
    report("PostgreSQL stopped 6 s (longer than the retries)", fault_at=fault_at, cleared_at=cleared_at,
           finished_at=bench.elapsed())
    out = assert_command_ended_cleanly(command, bench)
    assert "データベースに接続できません。再接続を待っています" in out
    with bench.fault_db() as db, db.cursor() as cursor:
        assert digest(cursor, run_id) == undisturbed
        gave_up = cursor.execute("SELECT count(*) FROM batches_batchchunk WHERE run_id = %s AND attempts > 1",
                                 [run_id]).fetchone()[0]
    worker_log = "\n".join(p.log.read_text(errors="replace") for p in bench.processes if "fault-" in p.log.name)
    assert gave_up >= 1 and "left pending for the supervisor" in worker_log, bench.logs()


def test_a_chunk_locked_by_another_session_is_named_then_done_once_the_lock_is_gone(bench, undisturbed):
    bench.start_redis(persistent=True)
    bench.start_worker()
    bench.start_beat()
    run = services.batch_start(kind="demo.squares", params=dict(PARAMS), actor=None,
                               origin=BatchRun.Origin.COMMAND, dispatch=False)
    locked = BatchChunk.objects.get(run=run, seq=5)
    db = connection.settings_dict
    other = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    try:
        pid = other.execute("SELECT pg_backend_pid() FROM batches_batchchunk WHERE id = %s FOR UPDATE",
                            [locked.pk]).fetchone()[0]
        fault_at = bench.elapsed()
        with publishing_to(bench.redis.url()):
            services.batch_dispatch(run.pk)
        wait_until(lambda: (run.refresh_from_db() or run.is_stalled), timeout=60,
                   what="the run to be marked stalled", bench=bench)
        assert "チャンク 5 が" in run.stalled_reason and f"PostgreSQL のプロセス {pid}）" in run.stalled_reason
        assert done_chunks(run) == 23
    finally:
        cleared_at = bench.elapsed()
        other.rollback()
        other.close()

    wait_until(lambda: finished(run), timeout=60, what="the run to finish", bench=bench)
    report("a chunk's row locked by another session", fault_at=fault_at, cleared_at=cleared_at,
           finished_at=bench.elapsed(), run=run)
    with connection.cursor() as cursor:
        assert digest(cursor, run.pk) == undisturbed


def test_batch_run_without_a_database_says_so_in_japanese(tmp_path):
    port = pick_port()  # nothing listens there
    env = {**os.environ, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/kaigo",
           "REDIS_URL": django_settings.REDIS_URL, "KAIGO_KEYRING_FILE": django_settings.KAIGO_KEYRING_FILE}
    result = subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), "batch_run", "demo.squares",
                             "-p", "records=10", "-p", "chunk_size=5"],
                            env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert "データベース（PostgreSQL）に接続できないため、バッチを開始できませんでした。" in result.stderr
    assert "復旧してから同じコマンドをもう一度実行してください" in result.stderr
