"""The monthly computation of the high-cost care service refund (高額介護サービス費の月次計算): the
persons with benefit records of the service month, in chunks; each chunk computes the households led
by its persons in its own transaction and writes only the changed lines (resumable; a repeated run
of the month writes nothing, a recomputation writes the differences)."""

from __future__ import annotations

from datetime import date

from django import forms

from benefits.ratio.batch_kinds import person_chunks
from benefits.refunds import services
from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.registry import BatchKind, ChunkOutcome, register
from kaigo.documents.wareki import wareki_western


class HighCostMonthForm(forms.Form):
    service_month = forms.DateField(label="サービス提供年月（月の初日）")
    chunk_size = forms.IntegerField(label="チャンクの人数", min_value=100, initial=5_000, required=False)

    def clean_service_month(self):
        month = self.cleaned_data["service_month"]
        if month.day != 1:
            raise forms.ValidationError("サービス提供年月は月の初日で指定してください。")
        if month < date(2017, 8, 1):
            raise forms.ValidationError("平成29年8月より前のサービス提供月は計算できません。")
        return month.isoformat()  # stored in the run's JSON parameters


def _month(params) -> date:
    value = params["service_month"]
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@register
class HighCostMonth(BatchKind):
    name = "benefits.high_cost_month"
    label = "高額介護サービス費の月次計算"
    form_class = HighCostMonthForm

    def confirmation(self, params):
        month = _month(params)
        if BatchRun.objects.filter(kind=self.name, params__service_month=month.isoformat(),
                                   status=BatchRun.Status.SUCCEEDED).exists():
            return (f"{wareki_western(month)}提供分の高額介護サービス費は計算済みです。もう一度実行すると、"
                    "前回の計算から変わった方の差額だけを記録します（変わらない方は何も変わりません）。")
        return None

    def plan(self, params):
        return person_chunks(services.persons_with_records(_month(params)), int(params.get("chunk_size") or 5_000))

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        done, errors = services.high_cost_month_chunk(run_id=run.pk, month=_month(run.params), lo=chunk.lo,
                                                      hi=chunk.hi)
        return ChunkOutcome(succeeded=done, errors=errors)
