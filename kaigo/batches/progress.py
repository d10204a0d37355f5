"""A progress bar for operators' commands: follows a run in the database until it ends."""

from __future__ import annotations

import time

from tqdm import tqdm

from kaigo.batches.models import BatchRun


def follow(run_id: int, *, interval: float = 0.5, stream=None, timeout: float | None = None) -> BatchRun:
    run = BatchRun.objects.get(pk=run_id)
    deadline = None if timeout is None else time.monotonic() + timeout
    with tqdm(total=run.total, unit="件", desc=f"バッチ #{run.pk} {run.kind}", file=stream, dynamic_ncols=True) as bar:
        while True:
            run.refresh_from_db()
            bar.total = run.total
            bar.n = run.processed
            bar.set_postfix_str(f"成功 {run.succeeded} / エラー {run.failed}", refresh=False)
            bar.refresh()
            if run.is_finished:
                return run
            if deadline is not None and time.monotonic() > deadline:
                return run
            time.sleep(interval)
