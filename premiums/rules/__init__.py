"""Premium rules (保険料の賦課・収納) as pure functions: no database, no ORM.

Rate tables and collection plans are data (tables.py); the stage (stage.py), the annual
amount and its proration (amount.py), the collection method and the schedules (schedule.py)
are functions of those tables. See docs/subsystems/premium-rules.md.
"""

from premiums.rules.amount import (
    AmountBreakdown,
    annual_amount,
    period_amount,
    prorated_amount,
    prorated_total,
)
from premiums.rules.codes import (
    CollectionMethod,
    CollectionReason,
    InstallmentKind,
    PensionKind,
    RoundingMode,
    StageGroup,
    StageReason,
)
from premiums.rules.errors import PremiumRuleError, RateTableError, ScheduleError, StageInputError
from premiums.rules.schedule import (
    CollectionDecision,
    Installment,
    PensionFacts,
    Schedule,
    billing_schedule,
    collection_method,
    collection_schedule,
    first_deduction_month,
    levelled_provisional,
    pension_deduction_schedule,
    pension_share,
    revised_schedule,
)
from premiums.rules.stage import StageDecision, StageInputs, stage_of
from premiums.rules.tables import (
    ASSUMED_BASE_AMOUNT,
    ASSUMED_COLLECTION_PLAN,
    NATIONAL_STANDARD_9TH,
    NATIONAL_STANDARD_FY2024,
    NATIONAL_STANDARD_FY2025_2026,
    BillingPlan,
    CollectionPlan,
    PensionDeductionPlan,
    RateTable,
    Rounding,
    Stage,
    table_for,
    validate_tables,
)

__all__ = [
    "ASSUMED_BASE_AMOUNT",
    "ASSUMED_COLLECTION_PLAN",
    "NATIONAL_STANDARD_9TH",
    "NATIONAL_STANDARD_FY2024",
    "NATIONAL_STANDARD_FY2025_2026",
    "AmountBreakdown",
    "BillingPlan",
    "CollectionDecision",
    "CollectionMethod",
    "CollectionPlan",
    "CollectionReason",
    "Installment",
    "InstallmentKind",
    "PensionDeductionPlan",
    "PensionFacts",
    "PensionKind",
    "PremiumRuleError",
    "RateTable",
    "RateTableError",
    "Rounding",
    "RoundingMode",
    "Schedule",
    "ScheduleError",
    "Stage",
    "StageDecision",
    "StageGroup",
    "StageInputError",
    "StageInputs",
    "StageReason",
    "annual_amount",
    "billing_schedule",
    "collection_method",
    "collection_schedule",
    "first_deduction_month",
    "levelled_provisional",
    "pension_deduction_schedule",
    "pension_share",
    "period_amount",
    "prorated_amount",
    "prorated_total",
    "revised_schedule",
    "stage_of",
    "table_for",
    "validate_tables",
]
