"""Printed eligibility documents: 介護保険被保険者証, 介護保険資格者証, 受給資格証明書 (DOMAIN 1.8).

Pure rendering: the services gather the values, these functions return PDF bytes. See
docs/subsystems/documents.md.
"""

from .data import CardHolder, CareInfo, DocumentMeta, InsurerInfo
from .fonts import unsupported_characters
from .render import (
    render_batch,
    render_eligibility_certificate,
    render_insurance_card,
    render_qualification_certificate,
)
from .wareki import wareki

__all__ = [
    "CardHolder",
    "CareInfo",
    "DocumentMeta",
    "InsurerInfo",
    "render_batch",
    "render_eligibility_certificate",
    "render_insurance_card",
    "render_qualification_certificate",
    "unsupported_characters",
    "wareki",
]
