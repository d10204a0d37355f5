"""A batch is a BatchRun and its chunks; chunks are processed by Celery workers.

Parameters, error messages and record keys must never hold personal data: they are shown
in the batch console to every operator. Use internal numbers (宛名番号, line numbers).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BatchRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "実行中"
        SUCCEEDED = "succeeded", "正常終了"
        FAILED = "failed", "一部失敗"

    class Origin(models.TextChoices):
        SCREEN = "screen", "画面"
        COMMAND = "command", "コマンド"
        SCHEDULE = "schedule", "定期実行"

    kind = models.CharField("種別", max_length=64)
    params = models.JSONField("パラメータ", default=dict)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="実行者", on_delete=models.PROTECT, null=True, blank=True
    )
    origin = models.CharField("起動元", max_length=16, choices=Origin.choices)
    status = models.CharField("状態", max_length=16, choices=Status.choices, default=Status.RUNNING)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    last_progress_at = models.DateTimeField("最終進捗日時", null=True, blank=True)
    resume_count = models.PositiveIntegerField("再実行回数", default=0)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="最終再実行者", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    resumed_at = models.DateTimeField("最終再実行日時", null=True, blank=True)
    chunk_count = models.PositiveIntegerField("チャンク数", default=0)
    # The supervisor (services.batch_supervise) and the dispatcher mark a run that cannot go on by
    # itself, with the reason in Japanese for the console; a chunk done clears the mark.
    stalled_at = models.DateTimeField("停滞検知日時", null=True, blank=True)
    stalled_reason = models.CharField("停滞の理由", max_length=300, blank=True)
    requeued_at = models.DateTimeField("最終自動再登録日時", null=True, blank=True)
    requeue_count = models.PositiveIntegerField("自動再登録回数", default=0)
    # Processed by the process that started it (services.batch_run_here), not by workers: the
    # supervisor leaves it alone (its chunks may depend on their order); a resume hands it to workers.
    processed_here = models.BooleanField("起動したプロセスで処理", default=False)
    # Record counts. processed = succeeded + failed; updated in the same transaction as the
    # chunk's work, so they never drift from what was really done.
    total = models.BigIntegerField("対象件数", default=0)
    processed = models.BigIntegerField("処理件数", default=0)
    succeeded = models.BigIntegerField("成功件数", default=0)
    failed = models.BigIntegerField("エラー件数", default=0)

    class Meta:
        verbose_name = "バッチ実行"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "last_progress_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else (100 if self.is_finished else 0)

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.RUNNING

    @property
    def is_stalled(self) -> bool:
        """Marked stalled by the supervisor or the dispatcher (the reason is in ``stalled_reason``)."""
        return not self.is_finished and self.stalled_at is not None

    @property
    def seconds_without_progress(self) -> int | None:
        """While running and not marked stalled: seconds since the last progress when longer than
        ``BATCH_STALL_AFTER`` (the supervisor is on it, or cannot run: Redis or the workers down);
        else None. Read only: shown on the console and by ``batch_run``."""
        from django.utils import timezone

        if self.is_finished or self.is_stalled or self.last_progress_at is None:
            return None
        seconds = (timezone.now() - self.last_progress_at).total_seconds()
        return int(seconds) if seconds > settings.BATCH_STALL_AFTER else None

    @property
    def kind_label(self) -> str:
        """The kind's Japanese name (its code name if the kind is no longer registered)."""
        from kaigo.batches.registry import label_of

        return label_of(self.kind)


class BatchChunk(models.Model):
    """A slice of a run: records with keys in [lo, hi). Processed in one transaction."""

    class Status(models.TextChoices):
        PENDING = "pending", "未処理"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField("番号")
    lo = models.BigIntegerField("開始キー")
    hi = models.BigIntegerField("終了キー（含まない）")
    size = models.PositiveIntegerField("件数")
    status = models.CharField("状態", max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("試行回数", default=0)
    last_attempt_at = models.DateTimeField("最終試行日時", null=True, blank=True)
    # When a task for this chunk was last put on the queue (start, resume, supervisor).
    queued_at = models.DateTimeField("最終キュー登録日時", null=True, blank=True)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)
    succeeded = models.PositiveIntegerField("成功件数", default=0)
    failed = models.PositiveIntegerField("エラー件数", default=0)
    error = models.CharField("失敗理由", max_length=300, blank=True)

    class Meta:
        verbose_name = "バッチチャンク"
        # No default ordering: it would join the run into every query, and into the row locks.
        constraints = [
            models.UniqueConstraint(fields=["run", "seq"], name="batch_chunk_unique_seq"),
            models.CheckConstraint(condition=models.Q(lo__lt=models.F("hi")), name="batch_chunk_range"),
        ]
        indexes = [models.Index(fields=["run", "status"])]


class BatchError(models.Model):
    """A record the batch rejected (with its key and a Japanese reason), or a failed chunk."""

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="errors")
    chunk = models.ForeignKey(BatchChunk, on_delete=models.CASCADE, related_name="errors", null=True)
    record_key = models.CharField("レコード", max_length=64, blank=True)
    code = models.CharField("コード", max_length=64)
    message = models.CharField("内容", max_length=500)
    created_at = models.DateTimeField("発生日時", auto_now_add=True)

    class Meta:
        verbose_name = "バッチエラー"
        ordering = ["id"]


class DemoResult(models.Model):
    """Output of the demo batch kind (kaigo.batches.batch_kinds.DemoSquares)."""

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE)
    record_no = models.BigIntegerField()
    value = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "record_no"], name="demo_result_once")]
