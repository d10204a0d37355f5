"""Errors of the premium rules, in the project's one shape (kaigo.errors.ApplicationError).

Messages are for staff (Japanese) and never carry personal data: no name, number, address or
income figure of a person; a table's name, a fiscal year or a stage number is fine.
"""

from __future__ import annotations

from kaigo.errors import ApplicationError


class PremiumRuleError(ApplicationError):
    code = "premium_rule"


class RateTableError(PremiumRuleError):
    """A rate table or collection plan is malformed, missing for a year, or overlaps another."""

    code = "premium_rate_table"


class StageInputError(PremiumRuleError):
    """The facts given to the stage decision contradict each other or are out of range."""

    code = "premium_stage_input"


class ScheduleError(PremiumRuleError):
    """A schedule cannot be made from the arguments given (e.g. a missing provisional amount)."""

    code = "premium_schedule"
