"""The batch kind of the nightly registry intake: one run per received file, in chunks of persons
(every change of one person in the same chunk)."""

from __future__ import annotations

from django.db.models import Count

from eligibility.intake import services
from eligibility.intake.models import ChangeStatus, RegistryChange, RegistryFile
from kaigo.batches.models import BatchChunk, BatchRun
from kaigo.batches.registry import BatchKind, ChunkOutcome, ChunkSpec, register


@register
class RegistryIntake(BatchKind):
    name = "eligibility.registry_intake"
    label = "住基異動の取込"
    required_params = {"file_id": "取り込む住基異動ファイルの番号"}

    def plan(self, params):
        return intake_chunks(RegistryFile.objects.get(pk=params["file_id"]),
                             persons_per_chunk=int(params.get("persons_per_chunk") or 2_000))

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        file = RegistryFile.objects.get(pk=run.params["file_id"])
        result = services.apply_chunk(file=file, lo=chunk.lo, hi=chunk.hi, batch_run_id=run.pk,
                                      actor_id=run.operator_id)
        return ChunkOutcome(succeeded=result.applied + result.queued, errors=result.errors)


def intake_chunks(file: RegistryFile, *, persons_per_chunk: int = 2_000):
    """Chunks of person numbers holding this file's pending changes (all of one person together)."""
    per_person = list(RegistryChange.objects.filter(file=file, status=ChangeStatus.PENDING)
                      .values_list("person_id").annotate(n=Count("id")).order_by("person_id"))
    chunks = []
    for start in range(0, len(per_person), persons_per_chunk):
        part = per_person[start:start + persons_per_chunk]
        chunks.append(ChunkSpec(part[0][0], part[-1][0] + 1, sum(n for _, n in part)))
    return chunks
