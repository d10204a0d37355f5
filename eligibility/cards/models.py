"""Cards and certificates issued (証の交付): one row per print event."""

from __future__ import annotations

from django.db import models

from eligibility.codes import CardKind
from eligibility.residents.models import Resident


class CardIssue(models.Model):
    """One issue (print) of a card or certificate. A reprint (再交付) is marked as such."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="card_issues")
    kind = models.CharField("種類", max_length=16, choices=CardKind.choices)
    issued_on = models.DateField("交付年月日")
    reprint = models.BooleanField("再交付", default=False)
    reason = models.CharField("交付理由", max_length=32)
    issued_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "証の交付"
        indexes = [models.Index(fields=["resident", "kind"], name="cardissue_resident")]
        constraints = [
            # the monthly run issues one first card per person and reason: a re-run adds none
            models.UniqueConstraint(fields=["resident", "kind", "reason"], condition=models.Q(reprint=False),
                                    name="cardissue_once_per_reason"),
        ]
