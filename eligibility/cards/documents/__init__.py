"""The printed cards and certificates: 介護保険被保険者証, 介護保険資格者証, 受給資格証明書 (DOMAIN 1.8).

Pure rendering on the PDF kit of kaigo/documents/ (font, layout, wareki, the holder and insurer
values): eligibility.cards.selectors gathers the values, these functions return PDF bytes. See
docs/subsystems/documents.md.
"""

from .data import CareInfo, DocumentMeta
from .render import (
    render_batch,
    render_eligibility_certificate,
    render_insurance_card,
    render_qualification_certificate,
)

__all__ = [
    "CareInfo",
    "DocumentMeta",
    "render_batch",
    "render_eligibility_certificate",
    "render_insurance_card",
    "render_qualification_certificate",
]
