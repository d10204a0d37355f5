"""Reads of the facts premiums receives: which columns of a tax fact (課税情報) decide the stage, and
the stage's inputs built from them by name, for every read that turns a stored tax fact into the
rules' ``StageInputs`` (the levy's chunk reads, the premium tab, the notices)."""

from __future__ import annotations

from dataclasses import fields

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
