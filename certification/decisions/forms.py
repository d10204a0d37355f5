"""Forms of the decision screens: the board's result (二次判定), the decision (認定), a carry-over
(法 §36), the cancellation (取消, 法 §31), the as-of day of the history and the renewal due list's
ward and page. Choices and dates carry Japanese messages (kaigo.forms)."""

from __future__ import annotations

from django import forms

from certification.rules.designations import SERVICE_KINDS
from certification.rules.levels import CERTIFIED_LEVELS, Level
from eligibility.codes import Ward
from kaigo.forms import CHOICE_ERRORS, DigitsDateField, DigitsIntegerField, StaffForm

LEVEL_CHOICES = [("", "選んでください"), *Level.choices]
CERTIFIED_CHOICES = [("", "選んでください"), *[(c, label) for c, label in Level.choices if c in CERTIFIED_LEVELS]]
SERVICE_CHOICES = list(SERVICE_KINDS.items())
MONTHS_ERRORS = {"invalid": "月数を数字で入力してください。", "min_value": "月数は1以上を入力してください。",
                 "max_value": "月数は99以下を入力してください。"}


class BoardResultForm(StaffForm):
    level = forms.ChoiceField(label="二次判定の結果（要介護状態区分）", choices=LEVEL_CHOICES, error_messages=CHOICE_ERRORS)
    level_reason = forms.CharField(label="一次判定と異なる場合の理由", required=False, max_length=400,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    months = DigitsIntegerField(label="有効期間（月数）", required=False, min_value=1, max_value=99,
                                error_messages=MONTHS_ERRORS)
    reviewed_on = DigitsDateField(label="二次判定日（審査会の日）")
    board_opinion = forms.CharField(label="審査会の意見", required=False, max_length=400,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    designated_services = forms.MultipleChoiceField(label="サービスの種類の指定（法第37条）", required=False,
                                                    choices=SERVICE_CHOICES, widget=forms.CheckboxSelectMultiple,
                                                    error_messages={"invalid_choice": "選択肢から選んでください。"})


class DecideForm(StaffForm):
    decided_on = DigitsDateField(label="認定日")


class CarryOverForm(StaffForm):
    level = forms.ChoiceField(label="受給資格証明書の要介護状態区分", choices=CERTIFIED_CHOICES,
                              error_messages=CHOICE_ERRORS)
    certificate_valid_to = DigitsDateField(label="受給資格証明書の有効期間の終了日", required=False)
    board_opinion = forms.CharField(label="審査会の意見（証明書の記載）", required=False, max_length=400,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    designated_services = forms.MultipleChoiceField(label="サービスの種類の指定（証明書の記載）", required=False,
                                                    choices=SERVICE_CHOICES, widget=forms.CheckboxSelectMultiple,
                                                    error_messages={"invalid_choice": "選択肢から選んでください。"})
    decided_on = DigitsDateField(label="認定日")


class RevokeForm(StaffForm):
    on = DigitsDateField(label="取消日")
    reason = forms.CharField(label="取消の理由（法第31条）", max_length=200,
                             error_messages={"required": "取消の理由を入力してください。"})


class AsOfForm(StaffForm):
    as_of = DigitsDateField(label="基準日", required=False)


class RenewalDueForm(StaffForm):
    ward = forms.ChoiceField(label="区", choices=Ward.choices, required=False, error_messages=CHOICE_ERRORS)
    page = DigitsIntegerField(label="ページ", required=False, min_value=1, max_value=10_000)
