"""Forms of the restriction screens: the measure of the candidate list and of an advance notice,
the answer (弁明), the decision, the withdrawal and the lifting. Choices and dates carry Japanese
messages (kaigo.forms)."""

from __future__ import annotations

from django import forms

from benefits.restrictions.models import Measure
from benefits.rules.restrictions import SPECIAL_CIRCUMSTANCES
from kaigo.forms import CHOICE_ERRORS, DigitsDateField, DigitsIntegerField, StaffForm

CIRCUMSTANCE_CHOICES = [("", "認めない（特別の事情なし）"), *SPECIAL_CIRCUMSTANCES.items()]


class CandidatesForm(StaffForm):
    measure = forms.ChoiceField(label="措置", choices=Measure.choices, required=False, error_messages=CHOICE_ERRORS)
    page = DigitsIntegerField(label="ページ", required=False, min_value=1, max_value=10_000,
                              error_messages={"invalid": "ページを数字で入力してください。",
                                              "min_value": "ページは1以上を入力してください。",
                                              "max_value": "ページが大きすぎます。"})


class NoticeForm(StaffForm):
    measure = forms.ChoiceField(label="予告する措置", choices=Measure.choices, error_messages=CHOICE_ERRORS)


class ReplyForm(StaffForm):
    received_on = DigitsDateField(label="弁明書の受付日")
    note = forms.CharField(label="弁明の内容", max_length=400, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "弁明の内容を入力してください。"})
    circumstance = forms.ChoiceField(label="特別の事情（施行令第30条）", choices=CIRCUMSTANCE_CHOICES, required=False,
                                     error_messages=CHOICE_ERRORS)


class DecideForm(StaffForm):
    decided_on = DigitsDateField(label="決定日")


class WithdrawForm(StaffForm):
    reason = forms.CharField(label="取りやめの理由", max_length=200,
                             error_messages={"required": "取りやめの理由を入力してください。"})


class LiftForm(StaffForm):
    lifted_on = DigitsDateField(label="解除日")
    reason = forms.CharField(label="解除の理由（完納・著しい減少・特別の事情）", max_length=200,
                             error_messages={"required": "解除の理由を入力してください。"})
