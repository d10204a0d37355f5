"""The change trail of benefits' tables (docs/subsystems/audit.md, "Change trail"). Imported at the
end of benefits/models.py; benefits' migrations create the event tables, make them append-only and
install the triggers. Each package adds its own lines.

A restriction's own moves are also in ``RestrictionEvent`` (who and when, shown on its page); the
trail records every write of the restriction row by any path."""

from __future__ import annotations

from audit.trail_models import event_model, person_trail_source
from benefits.limits.models import LimitApplication
from benefits.refunds.models import HighCostApplication
from benefits.regional.models import Checklist, Participant
from benefits.restrictions.models import ExcusedInstallment, Restriction

ChecklistEvent = event_model(Checklist, model_name="ChecklistEvent", verbose_name="基本チェックリストの変更履歴",
                             exclude=["entered_at"])
ParticipantEvent = event_model(Participant, model_name="ParticipantEvent", verbose_name="事業対象者の変更履歴",
                               exclude=["decided_at"])

person_trail_source(ChecklistEvent, key="k", rank=20, label="基本チェックリスト", where="e.resident_id = %(person)s")
person_trail_source(ParticipantEvent, key="j", rank=21, label="事業対象者", where="e.resident_id = %(person)s")

RestrictionTrailEvent = event_model(Restriction, model_name="RestrictionTrailEvent", verbose_name="給付制限の変更履歴",
                                    exclude=["updated_at"])
ExcusedInstallmentEvent = event_model(ExcusedInstallment, model_name="ExcusedInstallmentEvent",
                                      verbose_name="特別の事情による除外の変更履歴", exclude=["recorded_at"])

person_trail_source(RestrictionTrailEvent, key="z", rank=41, label="給付制限", where="e.resident_id = %(person)s")
person_trail_source(ExcusedInstallmentEvent, key="y", rank=42, label="特別の事情による除外",
                    where="e.resident_id = %(person)s")

LimitApplicationEvent = event_model(LimitApplication, model_name="LimitApplicationEvent",
                                    verbose_name="負担限度額認定の変更履歴", exclude=["entered_at"])
person_trail_source(LimitApplicationEvent, key="l", rank=43, label="負担限度額認定", where="e.resident_id = %(person)s")

# the register of received high-cost refund applications (高額介護サービス費支給申請書): issue 19 item 4

HighCostApplicationEvent = event_model(HighCostApplication, model_name="HighCostApplicationEvent",
                                       verbose_name="高額介護サービス費支給申請書の受付の変更履歴", exclude=["registered_at"])
person_trail_source(HighCostApplicationEvent, key="x", rank=44, label="高額介護サービス費の申請書",
                    where="e.resident_id = %(person)s")
