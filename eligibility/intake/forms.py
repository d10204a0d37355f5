"""Forms of the work queue and the intake results: their shape only (the services decide)."""

from __future__ import annotations

from django import forms

from eligibility.codes import Ward
from kaigo.forms import CHOICE_ERRORS, DigitsIntegerField, StaffForm


class WorkActionForm(StaffForm):
    action = forms.ChoiceField(label="処理", widget=forms.RadioSelect, error_messages=CHOICE_ERRORS)

    def __init__(self, *args, actions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = actions
        if actions:
            self.fields["action"].initial = actions[0][0]


class QueueFilterForm(StaffForm):
    ward = forms.ChoiceField(label="担当区", required=False, choices=[("", "すべての区"), *Ward.choices],
                             error_messages=CHOICE_ERRORS)
    after = DigitsIntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class FileLinesForm(StaffForm):
    status = forms.ChoiceField(label="表示する行", required=False, error_messages=CHOICE_ERRORS,
                               choices=[("", "エラーと要確認"), ("rejected", "エラー"), ("queued", "要確認")])
    after = DigitsIntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class BeforeForm(StaffForm):
    before = DigitsIntegerField(required=False, min_value=1, widget=forms.HiddenInput)
