"""The notices of benefit restrictions on the PDF kit of kaigo/documents/: the advance notice
(予告通知書, with the chance to answer: 弁明の機会の付与), the decision notice and the lifting notice.
Pure rendering from plain values (no models, no database); wording marked "assumed" in
docs/subsystems/benefits-restrictions.md is ours, to be checked against the city's forms."""

from .render import RestrictionNoticeData, render_restriction_notice

__all__ = ["RestrictionNoticeData", "render_restriction_notice"]
