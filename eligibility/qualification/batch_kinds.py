"""Batch kinds of qualification: the monthly 65th-birthday run (the gains and the insurance cards)
and the consistency check that recomputes every person's qualification from the registry facts."""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import Count, F, Max, Min

from eligibility.cards.services import age65_issue_cards
from eligibility.qualification.rules import month_bounds
from eligibility.qualification.services import Context, age65_candidates, qualification_horizon, requalify
from eligibility.residents.models import Resident
from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.registry import (
    BatchKind,
    ChunkOutcome,
    ChunkSpec,
    RecordError,
    register,
)


class MonthForm(forms.Form):
    month = forms.RegexField(label="対象月（YYYY-MM）", regex=r"^\d{4}-(0[1-9]|1[0-2])$",
                             error_messages={"invalid": "対象月はYYYY-MMの形で入力してください。"})


@register
class Age65(BatchKind):
    name = "eligibility.age65"
    label = "65歳到達による資格取得と被保険者証の交付"
    form_class = MonthForm

    def plan(self, params):
        first, last = month_bounds(params["month"])
        ids = age65_candidates(first, last)
        return [ChunkSpec(part[0], part[-1] + 1, len(part)) for part in
                (ids[i:i + 5_000] for i in range(0, len(ids), 5_000))]

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        first, last = month_bounds(run.params["month"])
        ids = age65_candidates(first, last, lo=chunk.lo, hi=chunk.hi)
        requalify(ids, until=last, context=Context(source="birthday_run", actor_id=run.operator_id,
                                                   batch_run_id=run.pk, event_key=f"age65:{run.params['month']}"))
        issued = age65_issue_cards(ids, first=first, last=last, batch_run_id=run.pk)
        errors = [RecordError(str(pid), "no_qualification", "65歳到達月ですが資格を取得していません（転出・死亡・適用除外など）。")
                  for pid in sorted(set(ids) - issued)]
        return ChunkOutcome(succeeded=len(ids) - len(errors), errors=errors)


class CheckForm(forms.Form):
    chunk_size = forms.IntegerField(label="チャンクの人数", min_value=100, max_value=100_000, initial=10_000,
                                    required=False)  # blank: 10,000
    repair = forms.BooleanField(label="相違を訂正する（新しい版を記録）", required=False, initial=False)


@register
class QualificationCheck(BatchKind):
    name = "eligibility.qualification_check"
    label = "資格履歴の整合性確認（住基からの再計算）"
    form_class = CheckForm

    def plan(self, params):
        size = params.get("chunk_size") or 10_000
        buckets = (Resident.objects.annotate(bucket=F("id") / size).values("bucket")
                   .annotate(n=Count("id"), lo=Min("id"), hi=Max("id")).order_by("bucket"))
        return [ChunkSpec(b["lo"], b["hi"] + 1, b["n"]) for b in buckets]

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        ids = list(Resident.objects.filter(pk__gte=chunk.lo, pk__lt=chunk.hi).values_list("id", flat=True))
        until = (date.fromisoformat(run.params["as_of"]) if run.params.get("as_of")
                 else qualification_horizon(date.today()))
        repair = bool(run.params.get("repair"))
        result = requalify(ids, until=until, dry_run=not repair,
                           context=Context(source="recompute", actor_id=run.operator_id, batch_run_id=run.pk,
                                           event_key=f"check:{run.pk}"))
        message = ("資格履歴が住基の情報から導いた履歴と異なっていたため、新しい版を記録しました。" if repair
                   else "記録されている資格履歴が住基の情報から導いた履歴と異なります。")
        errors = [RecordError(str(pid), "history_repaired" if repair else "history_differs", message)
                  for pid in result.changed]
        return ChunkOutcome(succeeded=len(ids) - len(errors), errors=errors)

