"""Resident registry intake (住基異動): the received files, their lines, and the cases a clerk
decides (要確認案件). Format and parser: eligibility/intake/format.py and parser.py."""

from __future__ import annotations

from django.db import models

from eligibility.codes import Ward, WorkKind
from kaigo.crypto.fields import EncryptedTextField


class RegistryFileStatus(models.TextChoices):
    """A file's state follows its lines (services.file_status_settle): 適用中 while a line is
    pending, then 適用済 (no line refused) or 一部エラー; 受付不可 when the file was refused whole
    (nothing of it applied; the reason in ``refusal``)."""

    RECEIVED = "received", "受信"
    APPLYING = "applying", "適用中"
    DONE = "done", "適用済"
    DONE_WITH_ERRORS = "done_errors", "一部エラー"
    REFUSED = "refused", "受付不可"


class RegistryFile(models.Model):
    """A received change file. Its lines are kept encrypted under the file's own data key
    (kaigo.crypto PersonKey with the negative id ``-id``): shredding it deletes the file's content."""

    sha256 = models.CharField("ハッシュ値", max_length=64, unique=True)
    file_name = models.CharField("ファイル名", max_length=200)
    received_at = models.DateTimeField("受信日時", auto_now_add=True)
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    business_date = models.DateField("処理日")
    total_lines = models.PositiveIntegerField("行数", default=0)
    status = models.CharField("状態", max_length=16, choices=RegistryFileStatus.choices,
                              default=RegistryFileStatus.RECEIVED)
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # why a refused file was refused (Japanese, from the file-level checks: never a value of a line)
    refusal = models.CharField("受付不可の理由", max_length=600, blank=True, default="")

    class Meta:
        verbose_name = "住基異動ファイル"

    def __str__(self) -> str:
        return f"住基異動ファイル {self.pk}"

    @property
    def key_id(self) -> int:
        return -self.pk


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "未適用"
    APPLIED = "applied", "適用済"
    QUEUED = "queued", "要確認"
    REJECTED = "rejected", "エラー"
    DUPLICATE = "duplicate", "重複（適用済の再送）"
    DISMISSED = "dismissed", "取下げ"


class RegistryChange(models.Model):
    """One line of a registry file: its clear columns drive the intake; the line itself (names,
    address, My Number) is sealed under the file's key and read only when applied or shown."""

    file = models.ForeignKey(RegistryFile, on_delete=models.PROTECT, related_name="changes")
    line_no = models.PositiveIntegerField("行番号")
    serial = models.CharField("異動連番", max_length=20, blank=True, default="")
    kind = models.CharField("異動事由", max_length=16, blank=True, default="")
    effective_on = models.DateField("異動日", null=True, blank=True)
    person_id = models.BigIntegerField("宛名番号", null=True, blank=True)
    ward = models.CharField("区", max_length=16, blank=True, default="")
    status = models.CharField("状態", max_length=16, choices=ChangeStatus.choices)
    error_code = models.CharField("エラーコード", max_length=40, blank=True, default="")
    error_message = models.CharField("理由", max_length=300, blank=True, default="")
    line = EncryptedTextField("異動レコード")
    applied_at = models.DateTimeField("適用日時", null=True, blank=True)

    class Meta:
        verbose_name = "住基異動レコード"
        indexes = [
            models.Index(fields=["file", "person_id"], name="registrychange_file_person"),
            models.Index(fields=["person_id"], name="registrychange_person"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["file", "line_no"], name="registrychange_line_once"),
            # a serial is applied at most once, whichever file carries it again
            models.UniqueConstraint(fields=["serial"], name="registrychange_serial_once",
                                    condition=models.Q(status__in=["pending", "applied", "queued", "dismissed"])),
        ]

    encryption_person_field = "file_id"

    def encryption_person_id(self) -> int:
        return -self.file_id


class WorkStatus(models.TextChoices):
    OPEN = "open", "未処理"
    DONE = "done", "処理済"


class WorkItem(models.Model):
    """A case the intake cannot decide alone (要確認): for a ward clerk's judgement."""

    kind = models.CharField("種別", max_length=16, choices=WorkKind.choices)
    change = models.OneToOneField(RegistryChange, on_delete=models.PROTECT, related_name="work_item")
    ward = models.CharField("担当区", max_length=16, choices=Ward.choices)
    person_id = models.BigIntegerField("宛名番号", null=True, blank=True)
    status = models.CharField("状態", max_length=8, choices=WorkStatus.choices, default=WorkStatus.OPEN)
    created_at = models.DateTimeField("発生日時", auto_now_add=True)
    resolution = models.CharField("処理内容", max_length=32, blank=True, default="")
    resolved_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField("処理日時", null=True, blank=True)

    class Meta:
        verbose_name = "要確認案件"
        indexes = [models.Index(fields=["ward", "status", "created_at"], name="workitem_queue")]


# --- moves entered by hand (転出・転居の手入力) ------------------------------------------------------


class MoveKind(models.TextChoices):
    MOVE_OUT = "move_out", "転出（国内の他市町村へ）"
    ABROAD = "abroad", "国外転出"
    MOVE_WITHIN = "move_within", "転居（市内）"


class ManualMoveStatus(models.TextChoices):
    RECORDED = "recorded", "記録済（住基の異動は未着）"
    CONFIRMED = "confirmed", "住基の異動で確認済"
    CANCELLED = "cancelled", "訂正により取消"


class ManualMove(models.Model):
    """A 転出 or 転居 a clerk entered by hand because the registry's change file will not carry it
    (yet): the registry fact it records (the residence spell it closed, the ward it changed), who
    entered it, and what became of it: confirmed by the registry's own line later (that line then
    changes nothing: eligibility.intake.services), or cancelled by a correction (訂正)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.CASCADE, related_name="manual_moves")
    kind = models.CharField("異動の種類", max_length=16, choices=MoveKind.choices)
    moved_on = models.DateField("異動日")
    # 転出先市町村コード (全国地方公共団体コード; eligibility.codes.ABROAD_CODE for abroad); empty for a 転居
    destination = models.CharField("転出先市町村コード", max_length=6, blank=True, default="")
    ward_before = models.CharField("異動前の区", max_length=16, choices=Ward.choices)
    ward_after = models.CharField("転居後の区", max_length=16, choices=Ward.choices, blank=True, default="")
    spell = models.ForeignKey("eligibility.ResidenceSpell", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    status = models.CharField("状態", max_length=16, choices=ManualMoveStatus.choices,
                              default=ManualMoveStatus.RECORDED)
    entered_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField("入力日時", auto_now_add=True)
    registry_change = models.ForeignKey(RegistryChange, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    cancelled_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField("取消日時", null=True, blank=True)
    cancel_reason = models.CharField("訂正の理由", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "転出・転居の手入力"
        indexes = [models.Index(fields=["resident", "status"], name="manualmove_resident")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status="cancelled", cancelled_at__isnull=False)
                                   & ~models.Q(cancel_reason="")
                                   | ~models.Q(status="cancelled") & models.Q(cancelled_at__isnull=True),
                                   name="manualmove_cancel_has_reason"),
            models.CheckConstraint(condition=models.Q(kind="move_within", destination="") & ~models.Q(ward_after="")
                                   | ~models.Q(kind="move_within") & ~models.Q(destination="") & models.Q(ward_after=""),
                                   name="manualmove_kind_fields"),
        ]
