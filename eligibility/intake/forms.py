"""Forms of the work queue, the intake results and moves entered by hand: their shape only (the
services decide)."""

from __future__ import annotations

from django import forms

from eligibility.codes import Ward
from eligibility.intake.models import MoveKind
from kaigo.forms import CHOICE_ERRORS, DATE_ERRORS, DigitsDateField, DigitsIntegerField, DigitsRegexField, StaffForm


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


class MoveForm(StaffForm):
    """A 転出 or 転居 entered by hand: its shape (the service checks the rest). ``confirmed``: the
    clerk saw the confirmation step and saves."""

    kind = forms.ChoiceField(label="異動の種類", widget=forms.RadioSelect, choices=MoveKind.choices,
                             error_messages={**CHOICE_ERRORS, "required": "異動の種類を選んでください。"})
    moved_on = DigitsDateField(label="異動日（転出日・転居日）", error_messages=DATE_ERRORS,
                               widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    destination = DigitsRegexField(
        label="転出先の市町村コード（国内転出のとき。検査数字を含む6桁）", regex=r"^[0-9]{6}$", max_length=6, required=False,
        error_messages={"invalid": "転出先の市町村コードは6桁の数字で入力してください。"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 8}))
    ward = forms.ChoiceField(label="転居後の区（転居のとき）", required=False, choices=[("", "（選択してください）"),
                                                                              *Ward.choices],
                             error_messages=CHOICE_ERRORS)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MoveCancelForm(StaffForm):
    reason = forms.CharField(label="訂正の理由", max_length=200, error_messages={
        "required": "訂正の理由を入力してください。", "max_length": "訂正の理由は200文字以内で入力してください。"},
        widget=forms.TextInput(attrs={"size": 50}))
