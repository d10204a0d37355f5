"""The municipal tax system's file of inhabitant-tax facts (住民税課税情報): columns and codes.
Documented for people in docs/subsystems/tax-feed.md; parser.py reads this layout and
linkage/tax/simulator.py writes it. No database here.
"""

from __future__ import annotations

from django.db import models

from kaigo.feeds import Column, FileLayout, header_of, line_encode  # noqa: F401  (line_encode: for the simulator and tests)


class TaxRecordKind(models.TextChoices):
    """当初 (the yearly file, persons as of the 賦課期日) or 更正 (a later correction of one person)."""

    INITIAL = "initial", "当初"
    CORRECTION = "correction", "更正"


# The codes in the file's 当初更正区分 column.
KIND_CODES = {"1": TaxRecordKind.INITIAL.value, "2": TaxRecordKind.CORRECTION.value}
KIND_FILE_CODES = {kind: code for code, kind in KIND_CODES.items()}
# 本人課税区分 / 世帯課税区分: 1 課税, 2 非課税.
TAXED_CODES = {"1": True, "2": False}
TAXED_FILE_CODES = {True: "1", False: "2"}
# 生活保護 / 老齢福祉年金: 1 受給, 0 受給なし.
FLAG_CODES = {"1": True, "0": False}
FLAG_FILE_CODES = {True: "1", False: "0"}

COLUMNS: tuple[Column, ...] = (
    Column("課税連番", "serial"),
    Column("当初更正区分", "kind"),
    Column("年度", "fiscal_year"),
    Column("宛名番号", "person_id"),
    Column("世帯番号", "household_id"),
    Column("続柄", "relation"),
    Column("生年月日", "birth_date"),
    Column("本人課税区分", "self_taxed"),
    Column("世帯課税区分", "household_taxed"),
    Column("合計所得金額", "total_income"),
    Column("公的年金等に係る雑所得", "pension_misc_income"),
    Column("課税年金収入額", "taxable_pension_income"),
    Column("給与所得", "salary_income"),
    Column("長期・短期譲渡所得の特別控除額", "special_deduction"),
    Column("非課税年金収入額", "non_taxable_pension_income"),
    Column("生活保護", "public_assistance"),
    Column("老齢福祉年金", "old_age_welfare_pension"),
)
HEADER = header_of(COLUMNS)
# The file: header, lines, trailer (count, and the total of 合計所得金額 as written; kaigo/feeds.py).
LAYOUT = FileLayout(COLUMNS, amounts=("total_income",))
LABELS = {c.attr: c.label for c in COLUMNS}
ATTRS = tuple(c.attr for c in COLUMNS)
# The amounts that are never negative (合計所得金額 may be).
NON_NEGATIVE_AMOUNTS = ("pension_misc_income", "taxable_pension_income", "salary_income", "special_deduction",
                        "non_taxable_pension_income")
AMOUNT_DIGITS = 11
