"""The demo batch kind: squares of record numbers, with optional rejects, delays and crashes.

It exists to show and test the framework (and as the pattern for real kinds): it writes its
results with COPY inside the chunk transaction, under a unique key per (run, record).
"""

from __future__ import annotations

import time

from django import forms

from kaigo.batches.models import BatchChunk, BatchRun, DemoResult
from kaigo.batches.registry import (
    BatchKind,
    ChunkOutcome,
    RecordError,
    ranges,
    register,
)
from kaigo.db import copy_rows
from kaigo.forms import DigitsIntegerField


class DemoSquaresForm(forms.Form):
    records = DigitsIntegerField(label="件数", min_value=1, max_value=10_000_000, initial=100_000)
    chunk_size = DigitsIntegerField(label="チャンクの件数", min_value=1, max_value=100_000, initial=5_000)
    delay_ms = DigitsIntegerField(label="チャンクごとの待ち時間（ミリ秒）", min_value=0, max_value=60_000, initial=0, required=False)
    reject_every = DigitsIntegerField(label="n件ごとにエラーとする", min_value=0, initial=0, required=False)
    crash_chunks = forms.CharField(label="常に失敗させるチャンク番号（カンマ区切り）", required=False)
    flaky_chunks = forms.CharField(label="初回だけ失敗させるチャンク番号（カンマ区切り）", required=False)

    def _seq_list(self, name: str) -> list[int]:
        value = self.cleaned_data.get(name) or ""
        if isinstance(value, list):
            return [int(v) for v in value]
        try:
            return [int(v) for v in str(value).split(",") if v.strip()]
        except ValueError:
            raise forms.ValidationError("数字をカンマで区切って入力してください。") from None

    def clean_crash_chunks(self):
        return self._seq_list("crash_chunks")

    def clean_flaky_chunks(self):
        return self._seq_list("flaky_chunks")

    def clean(self):
        data = super().clean()
        data["delay_ms"] = data.get("delay_ms") or 0
        data["reject_every"] = data.get("reject_every") or 0
        return data


class DemoCrash(RuntimeError):
    pass


@register
class DemoSquares(BatchKind):
    name = "demo.squares"
    label = "デモ: 平方の計算"
    form_class = DemoSquaresForm
    demo_only = True  # hidden and refused in production (KAIGO_SYNTHETIC_DATA off)

    def plan(self, params):
        return ranges(1, params["records"] + 1, params["chunk_size"])

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        params = run.params
        if chunk.seq in params.get("crash_chunks", []) or (
            chunk.seq in params.get("flaky_chunks", []) and chunk.attempts <= 1
        ):
            raise DemoCrash("demo crash")
        if params.get("delay_ms"):
            time.sleep(params["delay_ms"] / 1000)
        every = params.get("reject_every") or 0
        errors = [
            RecordError(str(n), "demo_reject", f"デモ: レコード {n} は検証で不合格としました。")
            for n in range(chunk.lo, chunk.hi)
            if every and n % every == 0
        ]
        rejected = {int(e.record_key) for e in errors}
        written = copy_rows(
            DemoResult,
            ["run_id", "record_no", "value"],
            ((run.pk, n, n * n) for n in range(chunk.lo, chunk.hi) if n not in rejected),
        )
        return ChunkOutcome(succeeded=written, errors=errors)
