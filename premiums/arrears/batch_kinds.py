"""Batch kinds of arrears: the reminders (督促状) of the bills unpaid after their 納期限 and the
prescription (時効による不納欠損), each over the persons with such a bill on the business date.
See docs/subsystems/levy.md."""

from __future__ import annotations

from datetime import date

from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.registry import BatchKind, ChunkOutcome, register
from premiums.arrears.selectors import overdue_persons
from premiums.arrears.services import prescription_chunk, reminders_chunk
from premiums.levy.batch_kinds import PERSONS_PER_CHUNK, BusinessDateForm, person_chunks


class ArrearsKind(BatchKind):
    """A run over the persons with a bill unpaid after its 納期限 on the business date."""

    form_class = BusinessDateForm

    def plan(self, params):
        return person_chunks(overdue_persons(date.fromisoformat(params["business_date"])), PERSONS_PER_CHUNK)

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        self.chunk(lo=chunk.lo, hi=chunk.hi, day=date.fromisoformat(run.params["business_date"]), run_id=run.pk)
        return ChunkOutcome(succeeded=chunk.size)


@register
class Reminders(ArrearsKind):
    name = "premiums.reminders"
    label = "督促状の発行（納期限を過ぎた未納の普通徴収）"

    def chunk(self, *, lo, hi, day, run_id):
        reminders_chunk(lo=lo, hi=hi, issued_on=day, batch_run_id=run_id)


@register
class Prescription(ArrearsKind):
    name = "premiums.prescription"
    label = "時効による不納欠損"

    def chunk(self, *, lo, hi, day, run_id):
        prescription_chunk(lo=lo, hi=hi, today=day, batch_run_id=run_id)
