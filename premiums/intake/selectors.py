"""Reads of the facts premiums receives: which columns of a tax fact (課税情報) decide the stage, and
the stage's inputs built from them by name, for every read that turns a stored tax fact into the
rules' ``StageInputs`` (the levy's chunk reads, the premium tab, the notices)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from kaigo.db import fetch_rows
from premiums.rules.stage import StageInputs

# TaxFact's columns have the names of StageInputs' fields (premiums/intake/models.py)
STAGE_INPUT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(StageInputs))


def stage_input_columns(alias: str) -> str:
    """The tax fact's stage-input columns for a SELECT list, from the table aliased ``alias``."""
    return ", ".join(f"{alias}.{name}" for name in STAGE_INPUT_COLUMNS)


def stage_inputs_of(fact) -> StageInputs:
    """The stage's inputs of a tax fact: a TaxFact or a named row selected with
    ``stage_input_columns``."""
    return StageInputs(**{name: getattr(fact, name) for name in STAGE_INPUT_COLUMNS})


def copayment_income_facts(resident_ids: Sequence[int], fiscal_year: int) -> dict[int, Any]:
    """The current tax fact (課税情報) of each of ``resident_ids`` for ``fiscal_year`` with the columns
    the co-payment ratio reads (benefits: 施行令 §22の2), by resident: named rows with ``tax_fact_id``,
    ``total_income``, ``special_deduction``, ``pension_misc_income``, ``taxable_pension_income``,
    ``self_taxed``, ``public_assistance``. One query for the set; no access log (the caller logs what
    it shows). A person without facts for the year is absent."""
    rows = fetch_rows(
        "SELECT t.resident_id, t.id AS tax_fact_id, t.total_income, t.special_deduction, t.pension_misc_income, "
        "t.taxable_pension_income, t.self_taxed, t.public_assistance FROM premiums_taxfact t "
        "WHERE t.resident_id = ANY(%s) AND t.fiscal_year = %s AND t.recorded_to IS NULL",
        [list(resident_ids), fiscal_year])
    return {r.resident_id: r for r in rows}


def high_cost_income_facts(resident_ids: Sequence[int], fiscal_year: int) -> dict[int, Any]:
    """The current tax fact of each of ``resident_ids`` for ``fiscal_year`` with the columns the
    high-cost refund's income category reads (benefits: 施行令 §22の2の2), by resident: named rows
    with ``tax_fact_id``, ``self_taxed``, ``household_taxed``, ``total_income``, ``special_deduction``,
    ``pension_misc_income``, ``taxable_pension_income``, ``public_assistance``,
    ``old_age_welfare_pension``. One query for the set; no access log (the caller logs what it
    shows). A person without facts for the year is absent."""
    rows = fetch_rows(
        "SELECT t.resident_id, t.id AS tax_fact_id, t.self_taxed, t.household_taxed, t.total_income, "
        "t.special_deduction, t.pension_misc_income, t.taxable_pension_income, t.public_assistance, "
        "t.old_age_welfare_pension FROM premiums_taxfact t "
        "WHERE t.resident_id = ANY(%s) AND t.fiscal_year = %s AND t.recorded_to IS NULL",
        [list(resident_ids), fiscal_year])
    return {r.resident_id: r for r in rows}
