"""What every staff screen's forms share: no colon after the labels, and the Japanese messages of
dates and choices (never repeating what was entered)."""

from __future__ import annotations

from django import forms

DATE_ERRORS = {"invalid": "日付を正しく入力してください（例: 2025-04-01）。", "required": "日付を入力してください。"}
CHOICE_ERRORS = {"invalid_choice": "選択肢から選んでください。", "required": "選んでください。"}


class StaffForm(forms.Form):
    """The base of the staff screens' forms: labels without the colon Django appends by default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
