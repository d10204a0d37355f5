"""Residents and households (宛名). Identity and contact fields are encrypted per person
(kaigo.crypto); dates and codes stay in clear columns for set-based work."""

from __future__ import annotations

from django.db import models

from kaigo.crypto.fields import EncryptedTextField


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
            models.Index(fields=["kana_name_bidx"], name="resident_kana_name_bidx"),
            models.Index(fields=["kana_surname_birth_bidx"], name="resident_kana_birth_bidx"),
            models.Index(fields=["ward", "birth_date"], name="resident_ward_birth"),
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
