"""Batch kinds of the levy: the yearly main levy (本算定), the provisional levy (仮算定) and the
re-levy of changes (更正). See docs/subsystems/levy.md."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.utils import timezone

from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.registry import BatchKind, ChunkOutcome, ChunkSpec, register
from kaigo.documents.wareki import wareki, wareki_fiscal_year
from kaigo.forms import DigitsDateField, DigitsIntegerField
from premiums.levy.selectors import calculator_for, levy_candidates, main_levy_done, pending_persons, relevy_everyone
from premiums.levy.services import main_levy_chunk, provisional_billing_chunk, provisional_levy_chunk, relevy_chunk
from premiums.rules.errors import PremiumRuleError
from premiums.rules.levy import levy_decision_deadline

PERSONS_PER_CHUNK = 10_000


class FiscalYearForm(forms.Form):
    fiscal_year = DigitsIntegerField(label="年度", min_value=2000, max_value=2100,
                                     error_messages={"invalid": "年度は西暦4桁で入力してください。"})
    persons_per_chunk = DigitsIntegerField(label="チャンクの人数", min_value=10, max_value=50_000,
                                           initial=PERSONS_PER_CHUNK, required=False)


def person_chunks(ids: list[int], size: int) -> list[ChunkSpec]:
    return [ChunkSpec(part[0], part[-1] + 1, len(part)) for part in
            (ids[i:i + size] for i in range(0, len(ids), size))]


class BusinessDateForm(forms.Form):
    business_date = DigitsDateField(label="処理基準日（空欄は本日）", required=False)

    def clean(self):
        data = super().clean()
        data["business_date"] = (data.get("business_date") or timezone.localdate()).isoformat()
        return data


class MainLevyForm(FiscalYearForm, BusinessDateForm):
    pass


MAIN_LEVY_EXPIRED = ("{year}年度の本算定は、賦課決定の期間制限（介護保険法第200条の2: 最初の納期の翌日から2年）により"
                     "{deadline} から行えません（処理基準日 {business_date}）。")


def main_levy_again(fiscal_year: int) -> str | None:
    """What starting the main levy of ``fiscal_year`` again would do, for the operator to confirm;
    None for a year never run. A run again levies only the persons with no 本算定 or correction
    yet (main_levy_chunk skips everyone else): new first-class persons, those the last run refused
    (no tax facts then), those with only a 仮算定. Nobody levied is changed: changes of stage or
    qualification are the re-levy's work (premiums.relevy, 更正)."""
    done = main_levy_done(fiscal_year)
    if done is None:
        return None
    day = timezone.localtime(done.started_at).date()
    year = f"{wareki_fiscal_year(fiscal_year)}（{fiscal_year}年度）"
    text = f"{year}の本算定は {wareki(day)}（{day.isoformat()}）に実行済みです（バッチ #{done.run_id}、{done.status}）。"
    if not done.finished:
        text += "そのバッチはまだ実行中です。"
    if done.to_levy:
        text += (f"もう一度実行すると、本算定・更正済みの人は変更せず、まだ本算定のない人だけを賦課します"
                 f"（{done.to_levy:,}人）。")
    else:
        text += "もう一度実行しても、まだ本算定のない人はいないため何もしません（0人）。"
    return text + "異動や課税の変更を反映するには「保険料の更正（異動分の再賦課）」を実行してください。"


@register
class MainLevy(BatchKind):
    name = "premiums.main_levy"
    label = "保険料の本算定（年次賦課）"
    form_class = MainLevyForm

    def confirmation(self, params):
        """A second run for the same year is confirmed first (issue 16, item 8)."""
        return main_levy_again(int(params["fiscal_year"]))

    def plan(self, params):
        fiscal_year = int(params["fiscal_year"])
        _, calculator = calculator_for(fiscal_year)  # no table or plan for the year: refused before it starts
        business_date = date.fromisoformat(params["business_date"]) if params.get("business_date") \
            else timezone.localdate()
        deadline = levy_decision_deadline(fiscal_year, calculator.plan, calculator.holidays)
        if business_date >= deadline:  # every levy of the run would be a first levy: none is lawful
            raise PremiumRuleError(MAIN_LEVY_EXPIRED.format(year=fiscal_year, deadline=deadline.isoformat(),
                                                            business_date=business_date.isoformat()),
                                   code="levy_period_expired")
        return person_chunks(levy_candidates(fiscal_year), int(params.get("persons_per_chunk") or PERSONS_PER_CHUNK))

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        result = main_levy_chunk(fiscal_year=int(run.params["fiscal_year"]), lo=chunk.lo, hi=chunk.hi,
                                 batch_run_id=run.pk, actor_id=run.operator_id)
        return ChunkOutcome(succeeded=result.levied + result.skipped, errors=result.errors)


def _queued_before(params) -> datetime | None:
    return datetime.fromisoformat(params["queued_before"]) if params.get("queued_before") else None


class RelevyForm(FiscalYearForm, BusinessDateForm):
    everyone = forms.BooleanField(label="全員を再計算する（料率改定など）", required=False, initial=False)

    def clean(self):
        data = super().clean()
        # the queue as it is now: causes arriving while the run works wait for the next run
        data["queued_before"] = timezone.now().isoformat()
        return data


@register
class Relevy(BatchKind):
    name = "premiums.relevy"
    label = "保険料の更正（異動分の再賦課）"
    form_class = RelevyForm

    def plan(self, params):
        fiscal_year = int(params["fiscal_year"])
        calculator_for(fiscal_year)
        size = int(params.get("persons_per_chunk") or PERSONS_PER_CHUNK)
        if params.get("everyone"):
            return person_chunks(relevy_everyone(fiscal_year), size)
        return person_chunks(pending_persons(fiscal_year, queued_before=_queued_before(params)), size)

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        result = relevy_chunk(fiscal_year=int(run.params["fiscal_year"]), lo=chunk.lo, hi=chunk.hi,
                              business_date=date.fromisoformat(run.params["business_date"]),
                              everyone=bool(run.params.get("everyone")), batch_run_id=run.pk,
                              actor_id=run.operator_id, queued_before=_queued_before(run.params))
        return ChunkOutcome(succeeded=result.levied + result.skipped, errors=result.errors)


@register
class ProvisionalLevy(BatchKind):
    name = "premiums.provisional_levy"
    label = "保険料の仮算定（特別徴収の仮徴収）"
    form_class = FiscalYearForm

    def plan(self, params):
        fiscal_year = int(params["fiscal_year"])
        calculator_for(fiscal_year)
        return person_chunks(levy_candidates(fiscal_year), int(params.get("persons_per_chunk") or PERSONS_PER_CHUNK))

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        provisional_levy_chunk(fiscal_year=int(run.params["fiscal_year"]), lo=chunk.lo, hi=chunk.hi,
                               batch_run_id=run.pk, actor_id=run.operator_id)
        # persons not deducted last February have nothing to levy provisionally: counted as done
        return ChunkOutcome(succeeded=chunk.size)


NO_PROVISIONAL_PERIODS = ("{year}年度の徴収計画「{plan}」には普通徴収の仮算定期がありません（仮算定期の数 0）。"
                          "普通徴収の仮算定を行うには、徴収計画に仮算定期の数を設定してください。")


@register
class ProvisionalBilling(BatchKind):
    """普通徴収の仮算定 (premiums.rules.provisional): in April or May, before the year's tax facts,
    the bills of the plan's 仮算定期 for persons insured on the 賦課期日 and levied last year at
    last year's stage (法 第129条-第133条, the city's 条例). Chunks of persons; a person with a levy
    of the year is skipped, so a re-run or a resumed chunk writes nobody twice."""

    name = "premiums.provisional_billing"
    label = "保険料の仮算定（普通徴収）"
    form_class = FiscalYearForm

    def plan(self, params):
        fiscal_year = int(params["fiscal_year"])
        _, calculator = calculator_for(fiscal_year)
        if calculator.plan.billing.provisional_periods == 0:
            raise PremiumRuleError(NO_PROVISIONAL_PERIODS.format(year=fiscal_year, plan=calculator.plan.name),
                                   code="no_provisional_periods")
        return person_chunks(levy_candidates(fiscal_year), int(params.get("persons_per_chunk") or PERSONS_PER_CHUNK))

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        provisional_billing_chunk(fiscal_year=int(run.params["fiscal_year"]), lo=chunk.lo, hi=chunk.hi,
                                  batch_run_id=run.pk, actor_id=run.operator_id)
        # persons the rule does not bill (new entrants, a known loss, a pension deduction) wait for
        # the 本算定: counted as done, like those already levied
        return ChunkOutcome(succeeded=chunk.size)
