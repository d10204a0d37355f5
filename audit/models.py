"""The record of what everyone did: the access log and the authentication events.

Both are hash chains (docs/subsystems/audit.md, docs/adr/0003-access-log-hash-chain.md): a link
carries ``seq`` (1, 2, 3, ... without gaps), ``prev_hash`` (the previous link's ``row_hash``; 32
zero bytes for seq 1) and ``row_hash = SHA-256(prev_hash || canonical bytes of the row)``. An
authentication event carries its link itself, written by ``audit_auth_append`` when it is
appended. An access-log row is inserted plainly by ``audit_access_append`` (no lock, so the
pages' commits can share a WAL flush) and chained shortly after by the sealing job
(``audit_access_seal``), which writes its link as an ``AccessSeal`` row. The functions are
created by migrations 0002 and 0012 and called from audit/services.py; triggers refuse UPDATE
and DELETE.

No personal data in these rows beyond internal numbers: a search stores the *kind* of its
criteria and its number of hits, never the criteria; a failed login with an unknown user name
stores a keyed hash of what was typed, never the text.
"""

from __future__ import annotations

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex, GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AppendOnlyModel(models.Model):
    """Rows of a hash chain are written by the chain's SQL function only; the database refuses
    UPDATE and DELETE. This guard makes a mistaken ORM write fail at once, in Python."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are appended through audit.services only")

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are never deleted")


class AppendOnlyQuerySet(models.QuerySet):
    def bulk_create(self, *args, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are appended through audit.services only")

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are never updated")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are never deleted")


class Chain(models.TextChoices):
    ACCESS = "access", "アクセス記録"
    AUTH = "auth", "認証・権限の記録"


class AccessLogEntry(AppendOnlyModel):
    """One read of personal data: who, when, from which terminal, which persons, which function.

    A list or search that shows many persons writes one row with all their internal numbers.
    """

    class Channel(models.TextChoices):
        SCREEN = "screen", "画面"
        API = "api", "API"
        EXPORT = "export", "ファイル出力"
        PRINT = "print", "印刷"
        BATCH = "batch", "バッチ"

    created_at = models.DateTimeField("日時")  # set by the database: clock_timestamp() at the append
    # No index of its own: searches use (staff, id). PROTECT: an account with traces stays.
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="職員", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )
    username = models.CharField("ユーザー名（記録時）", max_length=150, blank=True)
    client_ip = models.GenericIPAddressField("端末のIPアドレス", null=True, blank=True)
    terminal_id = models.CharField("端末ID", max_length=64, blank=True)
    session_hash = models.CharField("セッションのハッシュ", max_length=64, blank=True)
    function = models.CharField("機能", max_length=64)
    channel = models.CharField("経路", max_length=8, choices=Channel.choices)
    person_ids = ArrayField(models.BigIntegerField(), verbose_name="対象者の宛名番号", default=list)
    hits = models.IntegerField("検索の該当件数", null=True, blank=True)
    criteria_kind = models.CharField("検索条件の種類", max_length=100, blank=True)
    purpose = models.CharField("利用目的", max_length=200, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "アクセス記録"
        verbose_name_plural = "アクセス記録"
        indexes = [
            models.Index(fields=["staff", "id"], name="audit_access_staff_id"),
            GinIndex(fields=["person_ids"], name="audit_access_person_ids"),
            BrinIndex(fields=["created_at"], name="audit_access_created_brin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["screen", "api", "export", "print", "batch"]), name="audit_access_channel"
            ),
            models.CheckConstraint(condition=Q(hits__isnull=True) | Q(hits__gte=0), name="audit_access_hits"),
        ]

    def __str__(self) -> str:
        return f"access #{self.pk}"

    PERSON_IDS_SHOWN = 10

    @property
    def person_ids_head(self) -> list[int]:
        """The first internal numbers, for a list screen."""
        return self.person_ids[: self.PERSON_IDS_SHOWN]

    @property
    def person_ids_more(self) -> int:
        return max(0, len(self.person_ids) - self.PERSON_IDS_SHOWN)


class AccessSeal(AppendOnlyModel):
    """The access log's chain: one link per access-log row, in the order the sealing job chained
    them (``seq``), which is the order their rows committed, not always the order of their ids.
    The canonical bytes hashed are the row's with this ``seq`` (the v1 form, in which the row
    carried its own ``seq``). No foreign key: a link outlives a deleted row, and names it."""

    seq = models.BigIntegerField("連番", primary_key=True)
    entry_id = models.BigIntegerField("アクセス記録の番号", unique=True)
    prev_hash = models.BinaryField("直前の行のハッシュ", max_length=32)
    row_hash = models.BinaryField("行のハッシュ", max_length=32)
    sealed_at = models.DateTimeField("封印日時")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "アクセス記録の連鎖"
        verbose_name_plural = "アクセス記録の連鎖"
        constraints = [models.CheckConstraint(condition=Q(seq__gte=1), name="audit_accessseal_seq_positive")]

    def __str__(self) -> str:
        return f"seal #{self.seq} (access #{self.entry_id})"


class AuthEvent(AppendOnlyModel):
    """Sign-in, sign-out, failed sign-in, access-right changes and key operations (own chain).

    ``staff`` is who acted (for a failed sign-in: the account whose name was typed, if any).
    ``detail`` holds codes and internal ids only, never personal data.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", "ログイン"
        LOGOUT = "logout", "ログアウト"
        LOGIN_FAILED = "login_failed", "ログイン失敗"
        ROLE_GRANTED = "role_granted", "役割の付与"
        ROLE_REVOKED = "role_revoked", "役割の取消"
        KEY_OPERATION = "key_operation", "鍵の操作"
        ACCOUNT_CHANGED = "account_changed", "アカウントの変更"
        SECOND_FACTOR_FAILED = "second_factor_failed", "二要素認証の失敗"
        SESSION_EXPIRED = "session_expired", "セッションの期限切れ"

    seq = models.BigIntegerField("連番", unique=True)
    created_at = models.DateTimeField("日時")
    kind = models.CharField("種別", max_length=32, choices=Kind.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="職員", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )
    # As typed only when it names an existing account; otherwise empty, and username_hash holds
    # a keyed hash of what was typed (it may be a mistyped password).
    username = models.CharField("ユーザー名", max_length=150, blank=True)
    username_hash = models.CharField("入力されたユーザー名のハッシュ", max_length=64, blank=True)
    client_ip = models.GenericIPAddressField("端末のIPアドレス", null=True, blank=True)
    terminal_id = models.CharField("端末ID", max_length=64, blank=True)
    session_hash = models.CharField("セッションのハッシュ", max_length=64, blank=True)
    detail = models.JSONField("詳細", default=dict)
    prev_hash = models.BinaryField("直前の行のハッシュ", max_length=32)
    row_hash = models.BinaryField("行のハッシュ", max_length=32)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "認証・権限の記録"
        verbose_name_plural = "認証・権限の記録"
        indexes = [
            models.Index(fields=["staff", "seq"], name="audit_auth_staff_seq"),
            BrinIndex(fields=["created_at"], name="audit_auth_created_brin"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gte=1), name="audit_auth_seq_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=[
                    "login", "logout", "login_failed", "role_granted", "role_revoked", "key_operation",
                    "account_changed", "second_factor_failed", "session_expired",
                ]),
                name="audit_auth_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"auth #{self.seq}"


class ChainCheckpoint(models.Model):
    """What one verification saw at the head of a chain: its last seq and row_hash.

    The next verification checks that the row at that seq still has that hash and that the chain
    did not get shorter: a hash chain alone cannot see rows cut off its end. Append-only too.
    """

    chain = models.CharField("記録", max_length=8, choices=Chain.choices)
    seq = models.BigIntegerField("最終連番")  # 0: the chain was empty
    row_hash = models.BinaryField("最終行のハッシュ", max_length=32)
    rows = models.BigIntegerField("検証した行数")
    ok = models.BooleanField("改ざんなし")
    created_at = models.DateTimeField("検証日時", default=timezone.now)  # signed: set before saving
    # Ed25519 over audit.chain.checkpoint_message (which names the chain's previous signed
    # checkpoint): a checkpoint changed or removed by someone who can bypass the append-only
    # trigger no longer verifies. Empty when the keyring had no seal key.
    key_version = models.CharField("署名鍵", max_length=32, blank=True, default="")
    signature = models.BinaryField("署名", max_length=64, null=True, blank=True)
    # The heads file outside the database (audit/heads.py) as this verification saw it: the number
    # and signature of its last record. Signed with the rest (the v2 form of checkpoint_message), so
    # the next verification knows which record must still be in the file. Empty: no heads file then.
    heads_record = models.BigIntegerField("外部記録の最終記録", null=True, blank=True)
    heads_signature = models.BinaryField("外部記録の最終記録の署名", max_length=64, null=True, blank=True)

    class Meta:
        verbose_name = "検証の記録"
        indexes = [models.Index(fields=["chain", "-id"], name="audit_checkpoint_latest")]


class AuditAlert(models.Model):
    """Something a supervisor must look at, such as a broken hash chain."""

    class Kind(models.TextChoices):
        CHAIN_BROKEN = "chain_broken", "改ざんの疑い（ハッシュ連鎖の不整合）"

    kind = models.CharField("種別", max_length=32, choices=Kind.choices)
    # Identifies the finding (e.g. "access:altered:5:5"): the same break is alerted once, however
    # many nights the check finds it again.
    fingerprint = models.CharField("識別子", max_length=200, unique=True)
    detail = models.CharField("内容", max_length=500)  # Japanese, no personal data
    created_at = models.DateTimeField("検知日時", auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="確認者", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField("確認日時", null=True, blank=True)

    class Meta:
        verbose_name = "監査の警告"
        verbose_name_plural = "監査の警告"
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="audit_alert_acknowledged_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


# The change trail's generic parts and core's staff tables (audit/trail_models.py; each domain app
# declares the trail of its own tables) need the pgtrigger and pghistory apps. Until they are in
# INSTALLED_APPS the trail's models are not loaded (its tables and triggers come from the
# migrations all the same); audit/checks.py reports it.
if django_apps.is_installed("pghistory") and django_apps.is_installed("pgtrigger"):
    from audit.trail_models import RoleGrantEvent, StaffEvent, TrackedRoleGrant, TrackedStaff  # noqa: E402, F401
