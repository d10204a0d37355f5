"""The board materials (審査会資料) as PDF, on the PDF kit of kaigo/documents/: pure rendering of
the values certification.board.selectors gathers. See docs/subsystems/certification-board.md."""

from .data import MaterialCase, MaterialSession, SecretariatRefs
from .render import COMMITTEE, SECRETARIAT, VERSION_LABELS, render_materials

__all__ = ["COMMITTEE", "SECRETARIAT", "VERSION_LABELS", "MaterialCase", "MaterialSession", "SecretariatRefs",
           "render_materials"]
