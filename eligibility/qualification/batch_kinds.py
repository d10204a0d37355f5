"""Batch kinds of qualification: the monthly 65th-birthday run (the gains and the insurance cards),
the consistency check that recomputes every person's qualification from the registry facts, and
the one-off correction of move-out loss dates (法 §11 ただし書, issue 16)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import Count, F, Max, Min

from eligibility.cards.services import age65_issue_cards
from eligibility.intake.selectors import move_out_destinations
from eligibility.qualification.models import QualificationSource
from eligibility.qualification.rules import Period, month_bounds
from eligibility.qualification.services import (
    Context,
    age65_candidates,
    move_out_loss_correct,
    move_outs_without_destination,
    qualification_horizon,
    requalify,
)
from eligibility.residents.models import Resident
from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.registry import (
    BatchKind,
    ChunkOutcome,
    ChunkSpec,
    RecordError,
    register,
)
from kaigo.forms import DigitsIntegerField, DigitsRegexField


class MonthForm(forms.Form):
    month = DigitsRegexField(label="対象月（YYYY-MM）", regex=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
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
    chunk_size = DigitsIntegerField(label="チャンクの人数", min_value=100, max_value=100_000, initial=10_000,
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



class MoveOutLossForm(forms.Form):
    apply = forms.BooleanField(
        label="変更を記録する（チェックなし: 試行。変わる人の一覧だけを出し、何も記録しない）", required=False, initial=False)
    persons_per_chunk = DigitsIntegerField(label="チャンクの人数", min_value=100, max_value=100_000, initial=5_000,
                                           required=False)  # blank: 5,000


@register
class MoveOutLossDate(BatchKind):
    """One-off (issue 16): the 転出 recorded before the residence spell kept its destination lost
    qualification on the day after the 転出日; 法 §11 ただし書 makes a 転出 to another municipality
    lose on the 転出日 itself. For each such person: the destination from the registry line the
    intake kept, stored on the spell, and the history re-derived through ``requalify`` (a new
    revision, an eligibility.qualification_changed event, the premiums' re-levy queue).

    Every person whose history changes, or whose destination cannot be found, is listed as one
    record of the run (宛名番号, the old and new loss dates; no name). The dry run (default)
    writes nothing; run it again with 「変更を記録する」 to record. Running it again later finds only
    the move-outs still without destination (nothing is recorded twice)."""

    name = "eligibility.move_out_loss_date"
    label = "転出による資格喪失日の訂正（介護保険法第11条ただし書・一回限り）"
    form_class = MoveOutLossForm

    def plan(self, params):
        ids = sorted({m.person_id for m in move_outs_without_destination()})
        size = int(params.get("persons_per_chunk") or 5_000)
        return [ChunkSpec(part[0], part[-1] + 1, len(part)) for part in
                (ids[i:i + size] for i in range(0, len(ids), size))]

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        apply = bool(run.params.get("apply"))
        move_outs = move_outs_without_destination(lo=chunk.lo, hi=chunk.hi)
        destinations = move_out_destinations((m.person_id, m.moved_out_on) for m in move_outs)
        result = move_out_loss_correct(
            move_outs, destinations, until=qualification_horizon(date.today()), dry_run=not apply,
            context=Context(source=QualificationSource.RECOMPUTE, actor_id=run.operator_id, batch_run_id=run.pk,
                            event_key=f"move-out-loss:{run.pk}"))
        errors = []
        for pid in result.persons:
            changes = loss_date_changes(*result.changes[pid]) if pid in result.changes else ""
            if pid in result.undecided:
                days = "、".join(d.isoformat() for d in result.undecided[pid])
                message = (f"転出（{days}）の転出先が住基異動の記録にないため、喪失日を決められません"
                           "（転出日の翌日のままです）。転出先を確認してください。")
                errors.append(RecordError(str(pid), "destination_unknown",
                                          (message + (f" {changes}" if changes else ""))[:500]))
            elif pid in result.changes:
                errors.append(RecordError(str(pid), "loss_date_changed" if apply else "loss_date_changes",
                                          (changes + ("" if apply else "（試行: 記録していません）"))[:500]))
        return ChunkOutcome(succeeded=len(result.persons) - len(errors), errors=errors)


def loss_date_changes(old: list[Period], new: list[Period]) -> str:
    """The loss dates that change, for the run's list: 「資格喪失日 2026-06-01 → 2026-05-31」 per
    period (matched by start), 「期間なし」 where the period no longer exists (moved on the day it
    would have started)."""
    new_by_start = {p.start: p for p in new}
    parts = []
    for p in old:
        after = new_by_start.get(p.start)
        if after is None:
            parts.append(f"資格喪失日 {_day(p.end)} → 期間なし（取得日に他市町村へ転出）")
        elif after.end != p.end:
            parts.append(f"資格喪失日 {_day(p.end)} → {_day(after.end)}")
    starts = {p.start for p in old}
    parts += [f"資格期間 {_day(p.start)}〜{_day(p.end)} を追加" for p in new if p.start not in starts]
    return "、".join(parts) or "資格履歴の事由が変わります。"


def _day(d: date | None) -> str:
    return d.isoformat() if d else "（継続中）"
