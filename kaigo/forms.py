"""What every staff screen's forms share: no colon after the labels, the Japanese messages of
dates and choices (never repeating what was entered), and a service's refusal shown on the form
(``form_run``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms

from kaigo.errors import ApplicationError, NotPermitted

DATE_ERRORS = {"invalid": "日付を正しく入力してください（例: 2025-04-01）。", "required": "日付を入力してください。"}
CHOICE_ERRORS = {"invalid_choice": "選択肢から選んでください。", "required": "選んでください。"}
T = TypeVar("T")


class StaffForm(forms.Form):
    """The base of the staff screens' forms: labels without the colon Django appends by default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def form_run(form: forms.Form, act: Callable[[dict], T]) -> T | None:
    """Validate a sent ``form`` and run ``act(form.cleaned_data)`` (a service call): what ``act``
    returned (a service returns what it wrote), or None when the form is not valid or the service
    refused. A refusal (an ``ApplicationError``; each of its ``problems`` where it lists several)
    becomes the form's error, shown with the form on the page it was sent from. ``NotPermitted``
    and a missing record are not the form's business: they go on to their pages
    (kaigo.shell.middleware.ErrorPagesMiddleware)."""
    if not form.is_valid():
        return None
    try:
        return act(form.cleaned_data)
    except NotPermitted:
        raise
    except ApplicationError as refused:
        for problem in getattr(refused, "problems", None) or [refused.message]:
            form.add_error(None, problem)
        return None
