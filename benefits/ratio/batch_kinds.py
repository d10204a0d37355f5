"""The yearly determination of the co-payment ratio (負担割合の年次判定): every person holding a
certification in force in the year August-July, in chunks of persons; each chunk decides and queues
the certificates in its own transaction (resumable; a person decided before is skipped, so nothing
is decided twice)."""

from __future__ import annotations

from datetime import date

from django import forms

from benefits.ratio import services
from certification.decisions.selectors import certified_in_period
from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.registry import BatchKind, ChunkOutcome, ChunkSpec, register
from kaigo.documents.wareki import wareki_western


class RatioYearForm(forms.Form):
    fiscal_year = forms.IntegerField(label="年度（8月1日から翌年7月31日までの負担割合）", min_value=2015, max_value=2100)
    chunk_size = forms.IntegerField(label="チャンクの人数", min_value=100, initial=5_000, required=False)


def person_chunks(person_ids: list[int], size: int) -> list[ChunkSpec]:
    """Chunks of ``size`` persons over sparse numbers: [first, last + 1) with the real count."""
    ids = sorted(person_ids)
    return [ChunkSpec(ids[i], ids[min(i + size, len(ids)) - 1] + 1, len(ids[i:i + size]))
            for i in range(0, len(ids), size)]


@register
class RatioYear(BatchKind):
    name = "benefits.ratio_year"
    label = "負担割合の年次判定"
    form_class = RatioYearForm

    def confirmation(self, params):
        year = int(params["fiscal_year"])
        if BatchRun.objects.filter(kind=self.name, params__fiscal_year=year,
                                   status=BatchRun.Status.SUCCEEDED).exists():
            return (f"{wareki_western(date(year, 8, 1))}からの負担割合は判定済みです。もう一度実行すると、"
                    "まだ判定されていない認定者だけを判定します（判定済みの人は変わりません）。")
        return None

    def plan(self, params):
        year = int(params["fiscal_year"])
        people = certified_in_period(date(year, 8, 1), date(year + 1, 7, 31))
        return person_chunks(list(people), int(params.get("chunk_size") or 5_000))

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        done = services.ratio_year_chunk(run_id=run.pk, fiscal_year=int(run.params["fiscal_year"]), lo=chunk.lo,
                                         hi=chunk.hi)
        return ChunkOutcome(succeeded=done)
