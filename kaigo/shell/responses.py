"""Responses shared by the screens of every app."""

from __future__ import annotations

from django.http import HttpResponse


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A printed document: inline (the browser's viewer prints it), never cached; the file name
    carries no personal data."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
