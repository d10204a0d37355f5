"""The change trail of benefits' tables (docs/subsystems/audit.md, "How an app declares its trail").
Imported at the end of benefits/models.py; benefits' migrations create the event tables, make them
append-only and install the triggers.

A restriction's own moves are also in ``RestrictionEvent`` (who and when, shown on its page); the
trail records every write of the restriction row by any path."""

from __future__ import annotations

from audit.trail_models import event_model, person_trail_source
from benefits.restrictions.models import ExcusedInstallment, Restriction

RestrictionTrailEvent = event_model(Restriction, model_name="RestrictionTrailEvent", verbose_name="給付制限の変更履歴",
                                    exclude=["updated_at"])
ExcusedInstallmentEvent = event_model(ExcusedInstallment, model_name="ExcusedInstallmentEvent",
                                      verbose_name="特別の事情による除外の変更履歴", exclude=["recorded_at"])

person_trail_source(RestrictionTrailEvent, key="z", rank=41, label="給付制限", where="e.resident_id = %(person)s")
person_trail_source(ExcusedInstallmentEvent, key="y", rank=42, label="特別の事情による除外",
                    where="e.resident_id = %(person)s")
