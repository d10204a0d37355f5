"""The notices of certification on the PDF kit of kaigo/documents/: 要介護認定等結果通知書 and 認定延期通知書.

Pure rendering: certification.decisions.selectors gathers the values (data.py), these functions
return PDF bytes. Wording marked "assumed" in docs/subsystems/certification-decisions.md is ours,
to be checked against the city's forms."""

from .data import NoticeMeta, PostponementNotice, ResultNotice
from .render import appeal_notes, render_postponement_notice, render_result_notice

__all__ = ["NoticeMeta", "PostponementNotice", "ResultNotice", "appeal_notes", "render_postponement_notice",
           "render_result_notice"]
