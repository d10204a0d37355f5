"""The models of premiums, one import for Django's app registry and the migrations.

Each sub-domain keeps its tables in its own ``models.py`` (docs/README.md, "Inner shape of a
domain app"); this module only re-exports them. Code of the app imports a model from its
sub-domain (``premiums.levy.models``), never from here.
"""

# The change trail of these tables: premiums/trail.py (without the trail's apps installed: audit.W001).
from django.apps import apps as _apps  # noqa: E402

from premiums.arrears.models import WriteOff  # noqa: F401
from premiums.collection.models import (  # noqa: F401
    BankTransferFile,
    BankTransferLine,
    CounterReceipt,
    DeductionStop,
    ExemptionStatus,
    HeldPayment,
    HeldStatus,
    LateChargeExemption,
    LateChargePayment,
    Payment,
    PaymentChannel,
    PreliminaryPayment,
    Settlement,
    SettlementKind,
    TransferStatus,
)
from premiums.intake.models import InboundFile, InboundKind, InboundLineError, PensionFact, TaxFact  # noqa: F401
from premiums.levy.models import Levy, LevyInstallment, LevyPending, LevyPendingCause, LevySource  # noqa: F401
from premiums.notices.models import NoticeKind, PremiumNotice  # noqa: F401
from premiums.rates.models import (  # noqa: F401
    FiscalYearRange,
    PremiumCollectionPlan,
    PremiumRateTable,
    PremiumStage,
    RateTableStatus,
    fiscal_year_version_constraints,
)
from premiums.reductions.models import Evidence, Reduction, ReductionKind, ReductionStatus  # noqa: F401

if _apps.is_installed("pghistory") and _apps.is_installed("pgtrigger"):
    from premiums import trail  # noqa: E402, F401
