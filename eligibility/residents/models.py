"""Residents and households (宛名), the insured number each person is given once, and the residence
spells the registry reports (the facts qualification is derived from). Identity and contact
fields are encrypted per person (kaigo.crypto); dates and codes stay in clear columns for
set-based work."""

from __future__ import annotations

from django.db import models

from eligibility.codes import Relation, ResidenceStatus, Sex, Ward
from kaigo.crypto.fields import EncryptedTextField


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
    # A 転出's destination as the registry gave it (転出先市町村コード): a municipality code, or
    # eligibility.codes.ABROAD_CODE for abroad; empty when the spell did not end by a 転出, and for
    # 転出 recorded before the intake kept it (the one-off batch eligibility.move_out_loss_date
    # fills those from the stored registry lines). Decides the loss day (法 §11).
    moved_to = models.CharField("転出先市町村コード", max_length=6, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "住民登録期間"
        indexes = [models.Index(fields=["resident", "start"], name="residencespell_resident")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(start__isnull=True)
                                   | models.Q(end__gte=models.F("start")), name="residencespell_end_after_start"),
        ]
