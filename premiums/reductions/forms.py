"""Forms of reductions (減免) and deferrals (徴収猶予): the application at the counter and the
section chief's decisions. Shape only; Japanese errors that never repeat what was entered."""

from __future__ import annotations

from django import forms

from kaigo.forms import DATE_ERRORS, DigitsDateField, DigitsDecimalField, DigitsIntegerField, StaffForm
from premiums.reductions.models import Evidence, ReductionKind


class ReductionApplicationForm(StaffForm):
    """減免の申請 at the counter."""

    fiscal_year = DigitsIntegerField(label="年度", min_value=2000, max_value=2100,
                                     error_messages={"invalid": "年度は西暦4桁で入力してください。",
                                                     "required": "年度を入力してください。"})
    kind = forms.ChoiceField(label="事由", choices=ReductionKind.choices, widget=forms.RadioSelect,
                             error_messages={"invalid_choice": "選択肢から選んでください。", "required": "事由を選んでください。"})
    applied_on = DigitsDateField(label="申請日", error_messages=DATE_ERRORS,
                                 widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    first_month = DigitsDateField(label="適用開始月（その月の1日）", error_messages=DATE_ERRORS,
                                  widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    last_month = DigitsDateField(label="適用終了月（その月の1日）", error_messages=DATE_ERRORS,
                                 widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    evidence = forms.MultipleChoiceField(label="添付書類", choices=Evidence.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         error_messages={"invalid_choice": "選択肢から選んでください。"})


class ReductionDecisionForm(StaffForm):
    """減免の決定 by the section chief: approve with a share (or a stage for 境界層), or reject."""

    decision = forms.ChoiceField(label="決定", choices=[("approve", "承認"), ("reject", "却下")],
                                 widget=forms.RadioSelect,
                                 error_messages={"invalid_choice": "選択肢から選んでください。", "required": "決定を選んでください。"})
    rate = DigitsDecimalField(label="減免の割合（全額免除は1、半額は0.5）", required=False, min_value=0, max_value=1,
                              max_digits=4, decimal_places=3,
                              error_messages={"invalid": "割合は0から1の数で入力してください。",
                                              "max_value": "割合は1以下で入力してください。",
                                              "min_value": "割合は0より大きい数で入力してください。"})
    stage = DigitsIntegerField(label="適用する段階（境界層措置）", required=False, min_value=1, max_value=30,
                               error_messages={"invalid": "段階は数字で入力してください。"})
    rejection_reason = forms.CharField(label="却下の理由", required=False, max_length=200,
                                       error_messages={"max_length": "却下の理由は200文字以内で入力してください。"})


class DeferralEndForm(StaffForm):
    """徴収猶予の取消 by the section chief: the new 猶予期限 and the reason."""

    until = DigitsDateField(label="新しい猶予期限", error_messages=DATE_ERRORS,
                            widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    reason = forms.CharField(label="取消の理由", max_length=200,
                             error_messages={"required": "取消の理由を入力してください。",
                                             "max_length": "取消の理由は200文字以内で入力してください。"})
