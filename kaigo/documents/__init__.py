"""The PDF kit every printed document uses: the embedded Japanese font (``fonts``), labelled boxes on
an A4 page with text that shrinks and wraps to fit (``layout``), Japanese era dates (``wareki``),
and the two value objects every document of the office prints: the insurer (``InsurerInfo``,
``insurer_info()`` from the settings) and the insured person it is addressed to (``CardHolder``).

Pure rendering, no models and no database: the apps gather the values (eligibility's cards,
premiums' notices) and lay out their own documents on this kit. See docs/subsystems/documents.md.
"""

from .data import CardHolder, InsurerInfo, insurer_info
from .fonts import unsupported_characters
from .wareki import wareki

__all__ = ["CardHolder", "InsurerInfo", "insurer_info", "unsupported_characters", "wareki"]
