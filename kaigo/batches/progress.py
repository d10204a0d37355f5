"""A progress bar for operators' commands: follows a run in the database until it ends.

It outlives a database restart (it reconnects and says it is waiting) and says when the run is
stalled, with the reason the supervisor recorded, or how long it has made no progress."""

from __future__ import annotations

import time

from django.db import InterfaceError, OperationalError, connection
from tqdm import tqdm

from kaigo.batches.models import BatchRun

DATABASE_WAIT = "データベースに接続できません。再接続を待っています（バッチは中断していません）。"


def state_line(run: BatchRun) -> str:
    """What an operator should know beyond the counts: '' while the run moves."""
    if run.is_stalled:
        return f"停滞: {run.stalled_reason}"
    if run.seconds_without_progress:
        return (f"{run.seconds_without_progress} 秒間、進捗がありません。監視ジョブが未処理のチャンクを登録し直します。"
                "続く場合は作業キュー（Redis）とワーカーの稼働を確認してください。")
    return ""


def follow(run_id: int, *, interval: float = 0.5, stream=None, timeout: float | None = None) -> BatchRun:
    while True:  # the run is registered; wait for the database rather than fail
        try:
            run = BatchRun.objects.get(pk=run_id)
            break
        except (OperationalError, InterfaceError):
            connection.close()
            print(f"バッチ #{run_id}: {DATABASE_WAIT}", file=stream, flush=True)
            time.sleep(max(interval, 2))
    deadline = None if timeout is None else time.monotonic() + timeout
    shown = ""
    with tqdm(total=run.total, unit="件", desc=f"バッチ #{run.pk} {run.kind}", file=stream, dynamic_ncols=True) as bar:
        while True:
            try:
                run.refresh_from_db()
                line = state_line(run)
            except (OperationalError, InterfaceError):
                connection.close()  # the next query opens a new connection once PostgreSQL is back
                line = DATABASE_WAIT
            else:
                bar.total = run.total
                bar.n = run.processed
                bar.set_postfix_str(f"成功 {run.succeeded} / エラー {run.failed}" + ("（停滞）" if line else ""),
                                    refresh=False)
            if line != shown:  # each change of state once, on its own line above the bar
                bar.write(f"バッチ #{run.pk}: {line or '処理が再開しました。'}", file=stream)
                shown = line
            bar.refresh()
            if run.is_finished and line != DATABASE_WAIT:
                return run
            if deadline is not None and time.monotonic() > deadline:
                return run
            time.sleep(interval)
