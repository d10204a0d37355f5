"""The transactional outbox: domain events written in the same transaction as the change they
announce, delivered afterwards to each subscribed consumer exactly once (docs/subsystems/outbox.md)."""

from django.db import models


class OutboxEvent(models.Model):
    """One domain event. Carries internal numbers, codes and dates only: never personal data."""

    topic = models.CharField("種別", max_length=80)
    person_id = models.BigIntegerField("宛名番号", null=True, blank=True)
    effective_from = models.DateField("効力発生日", null=True, blank=True)
    payload = models.JSONField("内容", default=dict)
    # what produced the event (e.g. "registry:<serial>"): the same change never publishes twice
    dedupe_key = models.CharField("重複防止キー", max_length=120, unique=True)
    created_at = models.DateTimeField("発生日時", auto_now_add=True)
    published_at = models.DateTimeField("配信完了日時", null=True, blank=True)
    attempts = models.PositiveIntegerField("配信試行回数", default=0)
    last_error = models.CharField("最後のエラー", max_length=80, blank=True, default="")

    class Meta:
        verbose_name = "ドメインイベント"
        indexes = [models.Index(fields=["id"], name="outbox_unpublished", condition=models.Q(published_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"


class ConsumedEvent(models.Model):
    """A consumer's receipt of an event: unique, so a redelivery is never handled twice."""

    consumer = models.CharField("受信者", max_length=80)
    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="receipts")
    consumed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "イベント受信記録"
        constraints = [models.UniqueConstraint(fields=["consumer", "event"], name="consumed_once")]
