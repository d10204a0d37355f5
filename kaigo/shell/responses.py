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


# --- the confirmation of an irreversible decision --------------------------------------------------

CONFIRM_FIELD = "confirm"


def confirmed(request) -> bool:
    """Whether a decision's POST comes from its confirmation page (``confirm=1``): the first POST
    of an irreversible decision only validates and shows ``confirm_page``; nothing is written."""
    return request.POST.get(CONFIRM_FIELD) == "1"


def confirm_page(request, *, title: str, lines: list[tuple[str, str]], effect: str, back_url: str,
                 submit_label: str = "決定する"):
    """The confirmation of an irreversible decision, server-side (no script): what will be done,
    line by line (``lines``: label, value, the person masked), and its ``effect``; a form that
    sends the same fields again with ``confirm=1`` to the same URL, and a way back that sends
    nothing. The fields travel in the POST body as they came (never in a URL)."""
    from django.shortcuts import render

    fields = [(name, value) for name, values in request.POST.lists()
              if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD) for value in values]
    return render(request, "shell/confirm.html", {
        "title": title, "lines": lines, "effect": effect, "back_url": back_url, "submit_label": submit_label,
        "fields": fields, "action": request.get_full_path(),
    })
