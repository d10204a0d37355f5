"""Residents and households (宛名). Identity and contact fields are encrypted per person
(kaigo.crypto); dates and codes stay in clear columns for set-based work."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models

from kaigo.crypto.fields import EncryptedTextField


class DateRange(models.Func):
    """daterange(start, end): the valid time of a period, for the exclusion constraint."""

    function = "daterange"
    output_field = DateRangeField()


class Ward(models.TextChoices):
    KAWASAKI = "kawasaki", "川崎区"
    SAIWAI = "saiwai", "幸区"
    NAKAHARA = "nakahara", "中原区"
    TAKATSU = "takatsu", "高津区"
    MIYAMAE = "miyamae", "宮前区"
    TAMA = "tama", "多摩区"
    ASAO = "asao", "麻生区"

    @property
    def organisation(self) -> str:
        """The ward office that serves this ward (kaigo.staff.roles.Organisation value)."""
        return f"ward_{self.value}"


class Sex(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class Relation(models.TextChoices):
    HEAD = "head", "世帯主"
    SPOUSE = "spouse", "妻・夫"
    CHILD = "child", "子"
    PARENT = "parent", "父・母"
    OTHER = "other", "その他"


class ResidenceStatus(models.TextChoices):
    RESIDENT = "resident", "住民"
    MOVED_OUT = "moved_out", "転出"
    DECEASED = "deceased", "死亡"


class Household(models.Model):
    """A household (世帯). Its number is internal; the head is one of its residents."""

    id = models.BigIntegerField("世帯番号", primary_key=True)
    ward = models.CharField("区", max_length=16, choices=Ward.choices)
    head = models.ForeignKey("Resident", verbose_name="世帯主", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")

    class Meta:
        verbose_name = "世帯"


class Resident(models.Model):
    """A resident (宛名): the person every table refers to by the internal number (宛名番号)."""

    id = models.BigIntegerField("宛名番号", primary_key=True)
    household = models.ForeignKey(Household, verbose_name="世帯", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="members")
    relation = models.CharField("続柄", max_length=16, choices=Relation.choices, default=Relation.HEAD)
    my_number = EncryptedTextField("個人番号", null=True)
    name_kanji = EncryptedTextField("氏名")
    name_kana = EncryptedTextField("氏名（カナ）")
    address = EncryptedTextField("住所")
    phone = EncryptedTextField("電話番号", null=True)
    sensitive_reason = EncryptedTextField("支援措置等の理由", null=True)
    # Blind indexes (kaigo.crypto.blind_index): exact-match search without decrypting.
    my_number_bidx = models.IntegerField(null=True)
    kana_name_bidx = models.IntegerField()
    kana_surname_birth_bidx = models.IntegerField()
    sex = models.CharField("性別", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("生年月日")
    ward = models.CharField("区", max_length=16, choices=Ward.choices)
    status = models.CharField("住民区分", max_length=16, choices=ResidenceStatus.choices,
                              default=ResidenceStatus.RESIDENT)
    died_on = models.DateField("死亡日", null=True, blank=True)
    moved_out_on = models.DateField("転出日", null=True, blank=True)
    # DV and similar support measures (支援措置): access is restricted and flagged in the log.
    sensitive = models.BooleanField("支援措置対象", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "宛名"
        verbose_name_plural = "宛名"
        indexes = [
            models.Index(fields=["my_number_bidx"], name="resident_my_number_bidx"),
            # a search reads its candidates in id order, a batch at a time (selectors._candidate_sql):
            # with the id in the index that is an ordered range scan of one batch, not every
            # resident of a common name fetched and sorted
            models.Index(fields=["kana_name_bidx", "id"], name="resident_kana_name_id"),
            models.Index(fields=["kana_surname_birth_bidx", "id"], name="resident_kana_birth_id"),
            models.Index(fields=["ward", "birth_date"], name="resident_ward_birth"),
            # whether a household has a member under a support measure (支援措置): about 0.1% of
            # residents, so the test of every listed household is a probe of a small index
            models.Index(fields=["household_id"], condition=models.Q(sensitive=True),
                         name="resident_household_protected"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(died_on__isnull=True) | models.Q(died_on__gte=models.F("birth_date")),
                name="resident_death_after_birth",
            ),
        ]

    def __str__(self) -> str:  # never the name: this string reaches logs and admin lists
        return f"宛名番号 {self.pk}"

    # Whose data key protects a row (kaigo.crypto.fields): a resident's own.
    encryption_person_field = "id"

    def encryption_person_id(self) -> int:
        return self.pk


# ---------------------------------------------------------------------------------------------
# Qualification (資格管理). Codes are in eligibility/codes.py, the date rules in eligibility/rules.py.
# ---------------------------------------------------------------------------------------------


class InsuredNumber(models.Model):
    """The insured number (被保険者番号): 10 digits, issued once per person and never reused."""

    resident = models.OneToOneField(Resident, verbose_name="宛名", primary_key=True, on_delete=models.PROTECT,
                                    related_name="insured_number")
    number = models.CharField("被保険者番号", max_length=10, unique=True)
    issued_on = models.DateField("付番日")

    class Meta:
        verbose_name = "被保険者番号"
        constraints = [
            models.CheckConstraint(condition=models.Q(number__regex=r"^[0-9]{10}$"), name="insured_number_ten_digits"),
        ]

    def __str__(self) -> str:
        return f"被保険者番号 {self.number}"


class SpellEnd(models.TextChoices):
    MOVE_OUT = "move_out", "転出"
    DEATH = "death", "死亡"
    EX_OFFICIO = "ex_officio", "職権消除"


class ResidenceSpell(models.Model):
    """One stretch of having an address in the city (住民基本台帳), as the registry reports it:
    the facts qualification is derived from. ``start`` NULL: since birth or before records."""

    # the person's facts go with the person (deletion after retention); the trail keeps the events
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="residence_spells")
    start = models.DateField("住定日", null=True, blank=True)
    end = models.DateField("転出・死亡日", null=True, blank=True)
    start_is_move_in = models.BooleanField("転入", default=False)
    end_kind = models.CharField("終了事由", max_length=16, choices=SpellEnd.choices, blank=True, default="")

    class Meta:
        verbose_name = "住民登録期間"
        indexes = [models.Index(fields=["resident", "start"], name="residencespell_resident")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(start__isnull=True)
                                   | models.Q(end__gte=models.F("start")), name="residencespell_end_after_start"),
        ]


class FacilityKind(models.TextChoices):
    EXEMPTION = "exemption", "適用除外施設"
    SPECIAL = "special", "住所地特例対象施設"
    OTHER = "other", "その他の施設"


class Facility(models.Model):
    """A facility the registry's addresses may point to (施設マスタ): decides whether a move
    needs a clerk's judgement about 適用除外 or 住所地特例. Not personal data."""

    code = models.CharField("施設コード", max_length=10, primary_key=True)
    name = models.CharField("施設名", max_length=100)
    kind = models.CharField("種別", max_length=16, choices=FacilityKind.choices)
    municipality = models.CharField("所在市町村コード", max_length=6)

    class Meta:
        verbose_name = "施設"

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class StayKind(models.TextChoices):
    EXEMPTION = "exemption", "適用除外施設入所"
    SELF_SPECIAL = "self_special", "住所地特例（自市町村の被保険者）"
    OTHER_SPECIAL = "other_special", "住所地特例（他市町村の被保険者）"


class FacilityStay(models.Model):
    """A stay decided by a clerk: in an exemption facility, or under the special-address rule."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="facility_stays")
    kind = models.CharField("種別", max_length=16, choices=StayKind.choices)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, null=True, blank=True)
    start = models.DateField("開始日")
    end = models.DateField("終了日", null=True, blank=True)
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "施設入所（適用除外・住所地特例）"
        indexes = [models.Index(fields=["resident"], name="facilitystay_resident")]


class QualificationSource(models.TextChoices):
    INTAKE = "intake", "住基異動"
    NOTIFICATION = "notification", "届出"
    BIRTHDAY_RUN = "birthday_run", "65歳到達処理"
    CORRECTION = "correction", "訂正"
    WORK_QUEUE = "work_queue", "要確認案件の処理"
    GENERATED = "generated", "合成データ"
    RECOMPUTE = "recompute", "再計算"


class QualificationPeriod(models.Model):
    """A period of insured status, bitemporal.

    valid time: [start, end) where ``end`` is the loss date (資格喪失日: the first day not insured);
    record time: [recorded_from, recorded_to) - when the office held this row as true. A correction
    never overwrites: it closes the current rows (recorded_to) and adds the new revision. The current
    rows of one person never overlap (exclusion constraint, migration 0004).
    """

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="qualification_periods")
    insured_class = models.CharField("被保険者区分", max_length=1)
    start = models.DateField("資格取得日")
    end = models.DateField("資格喪失日", null=True, blank=True)
    gain_reason = models.CharField("取得事由", max_length=2)
    loss_reason = models.CharField("喪失事由", max_length=2, blank=True, default="")
    revision = models.PositiveIntegerField("版", default=1)
    recorded_from = models.DateTimeField("記録日時")
    recorded_to = models.DateTimeField("取消日時", null=True, blank=True)
    source = models.CharField("記録元", max_length=16, choices=QualificationSource.choices)
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "資格期間"
        indexes = [
            models.Index(fields=["resident", "start"], name="qualification_current",
                         condition=models.Q(recorded_to__isnull=True)),
            models.Index(fields=["resident", "recorded_from"], name="qualification_history"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(end__gt=models.F("start")),
                                   name="qualification_end_after_start"),
            models.CheckConstraint(condition=models.Q(insured_class__in=["1", "2"]), name="qualification_class"),
            # the current rows of one person never overlap in valid time
            ExclusionConstraint(
                name="qualification_no_overlap",
                expressions=[("resident", RangeOperators.EQUAL),
                             (DateRange("start", "end"), RangeOperators.OVERLAPS)],
                condition=models.Q(recorded_to__isnull=True),
            ),
            models.CheckConstraint(condition=models.Q(recorded_to__isnull=True)
                                   | models.Q(recorded_to__gte=models.F("recorded_from")),
                                   name="qualification_recorded_order"),
        ]


class CardKind(models.TextChoices):
    INSURANCE_CARD = "card", "介護保険被保険者証"
    QUALIFICATION_CERTIFICATE = "qualification", "介護保険資格者証"
    ELIGIBILITY_CERTIFICATE = "eligibility", "受給資格証明書"


class CardIssue(models.Model):
    """One issue (print) of a card or certificate. A reprint (再交付) is marked as such."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="card_issues")
    kind = models.CharField("種類", max_length=16, choices=CardKind.choices)
    issued_on = models.DateField("交付年月日")
    reprint = models.BooleanField("再交付", default=False)
    reason = models.CharField("交付理由", max_length=32)
    issued_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "証の交付"
        indexes = [models.Index(fields=["resident", "kind"], name="cardissue_resident")]
        constraints = [
            # the monthly run issues one first card per person and reason: a re-run adds none
            models.UniqueConstraint(fields=["resident", "kind", "reason"], condition=models.Q(reprint=False),
                                    name="cardissue_once_per_reason"),
        ]


# ---------------------------------------------------------------------------------------------
# Resident registry intake (住基異動). Format and parser: eligibility/registry_feed/.
# ---------------------------------------------------------------------------------------------


class RegistryFileStatus(models.TextChoices):
    RECEIVED = "received", "受信"
    APPLYING = "applying", "適用中"
    DONE = "done", "適用済"


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


class WorkKind(models.TextChoices):
    EXEMPTION = "exemption", "適用除外施設への入所の可能性"
    SELF_SPECIAL = "self_special", "住所地特例（他市町村の施設への転出）の可能性"
    OTHER_SPECIAL = "other_special", "住所地特例（他市町村の被保険者の施設入所）の可能性"
    PAST_DATED = "past_dated", "過去日付の異動"
    CONFLICT = "conflict", "登録内容との不一致"


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


# The change trail of these tables: eligibility/trail.py (without the trail's apps installed: audit.W001).
from django.apps import apps as _apps  # noqa: E402

if _apps.is_installed("pghistory") and _apps.is_installed("pgtrigger"):
    from eligibility import trail  # noqa: E402, F401
