"""Forms of the premium screens: shape only (the services decide). Japanese errors that never
repeat what was entered."""

from __future__ import annotations

from datetime import date

from django import forms

from eligibility.codes import Ward
from premiums.models import Evidence, ReductionKind
from kaigo.forms import DATE_ERRORS, StaffForm

AMOUNT_ERRORS = {"invalid": "金額は半角数字（円）で入力してください。", "required": "金額を入力してください。",
                 "min_value": "金額は1円以上で入力してください。", "max_value": "金額が大きすぎます。"}


class CounterPaymentForm(StaffForm):
    """窓口での収納: one open installment of a levied year."""

    installment = forms.ChoiceField(label="納期", widget=forms.RadioSelect,
                                    error_messages={"invalid_choice": "選択肢から選んでください。",
                                                    "required": "納期を選んでください。"})
    amount = forms.IntegerField(label="金額（円）", min_value=1, max_value=10_000_000, error_messages=AMOUNT_ERRORS,
                                widget=forms.NumberInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))
    paid_on = forms.DateField(label="納付日", error_messages=DATE_ERRORS,
                              widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    note = forms.CharField(label="備考", required=False, max_length=200,
                           error_messages={"max_length": "備考は200文字以内で入力してください。"})

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installment"].choices = list(choices)

    @staticmethod
    def key(fiscal_year: int, method: str, month: date) -> str:
        return f"{fiscal_year}:{method}:{month.isoformat()}"

    def installment_parts(self) -> tuple[int, str, date]:
        fiscal_year, method, month = self.cleaned_data["installment"].split(":")
        return int(fiscal_year), method, date.fromisoformat(month)


class ArrearsFilterForm(StaffForm):
    """The arrears list's ward (head office only) and page, by GET: codes only, no personal data."""

    ward = forms.ChoiceField(label="区", choices=[("", "（選択）"), *Ward.choices], required=False)
    page = forms.IntegerField(label="ページ", min_value=1, required=False)


class ReductionApplicationForm(StaffForm):
    """減免の申請 at the counter."""

    fiscal_year = forms.IntegerField(label="年度", min_value=2000, max_value=2100,
                                     error_messages={"invalid": "年度は西暦4桁で入力してください。",
                                                     "required": "年度を入力してください。"})
    kind = forms.ChoiceField(label="事由", choices=ReductionKind.choices, widget=forms.RadioSelect,
                             error_messages={"invalid_choice": "選択肢から選んでください。", "required": "事由を選んでください。"})
    applied_on = forms.DateField(label="申請日", error_messages=DATE_ERRORS,
                                 widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    first_month = forms.DateField(label="適用開始月（その月の1日）", error_messages=DATE_ERRORS,
                                  widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    last_month = forms.DateField(label="適用終了月（その月の1日）", error_messages=DATE_ERRORS,
                                 widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    evidence = forms.MultipleChoiceField(label="添付書類", choices=Evidence.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         error_messages={"invalid_choice": "選択肢から選んでください。"})


class ReductionDecisionForm(StaffForm):
    """減免の決定 by the section chief: approve with a share (or a stage for 境界層), or reject."""

    decision = forms.ChoiceField(label="決定", choices=[("approve", "承認"), ("reject", "却下")],
                                 widget=forms.RadioSelect,
                                 error_messages={"invalid_choice": "選択肢から選んでください。", "required": "決定を選んでください。"})
    rate = forms.DecimalField(label="減免の割合（全額免除は1、半額は0.5）", required=False, min_value=0, max_value=1,
                              max_digits=4, decimal_places=3,
                              error_messages={"invalid": "割合は0から1の数で入力してください。",
                                              "max_value": "割合は1以下で入力してください。",
                                              "min_value": "割合は0より大きい数で入力してください。"})
    stage = forms.IntegerField(label="適用する段階（境界層措置）", required=False, min_value=1, max_value=30,
                               error_messages={"invalid": "段階は数字で入力してください。"})
    rejection_reason = forms.CharField(label="却下の理由", required=False, max_length=200,
                                       error_messages={"max_length": "却下の理由は200文字以内で入力してください。"})


class DeferralEndForm(StaffForm):
    """徴収猶予の取消 by the section chief: the new 猶予期限 and the reason."""

    until = forms.DateField(label="新しい猶予期限", error_messages=DATE_ERRORS,
                            widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    reason = forms.CharField(label="取消の理由", max_length=200,
                             error_messages={"required": "取消の理由を入力してください。",
                                             "max_length": "取消の理由は200文字以内で入力してください。"})


YEN_FIELD_ERRORS = {"invalid": "金額は半角数字（円）で入力してください。", "min_value": "金額に負の値は入力できません。",
                    "max_value": "金額が大きすぎます。"}


def _yen(label: str, *, required: bool = False, min_value: int | None = 0) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=required, min_value=min_value, max_value=99_999_999_999,
                              initial=0, error_messages={**YEN_FIELD_ERRORS, "required": "金額を入力してください。"},
                              widget=forms.NumberInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))


class SimulatorForm(StaffForm):
    """保険料の試算 at the counter: the facts a resident tells, nothing stored, nothing logged."""

    fiscal_year = forms.IntegerField(label="年度", min_value=2000, max_value=2100,
                                     error_messages={"invalid": "年度は西暦4桁で入力してください。",
                                                     "required": "年度を入力してください。"})
    self_taxed = forms.BooleanField(label="本人が住民税課税", required=False)
    household_taxed = forms.BooleanField(label="世帯に住民税課税の方がいる（本人を含む）", required=False)
    total_income = _yen("合計所得金額（円）", required=True, min_value=None)
    taxable_pension_income = _yen("課税年金収入額（円）")
    pension_misc_income = _yen("公的年金等に係る雑所得（円）")
    salary_income = _yen("給与所得（円）")
    special_deduction = _yen("長期・短期譲渡所得の特別控除額（円）")
    public_assistance = forms.BooleanField(label="生活保護を受給している", required=False)
    old_age_welfare_pension = forms.BooleanField(label="老齢福祉年金を受給している", required=False)
    months = forms.IntegerField(label="賦課月数（年度の途中で資格を取得・喪失する場合）", min_value=1, max_value=12, initial=12,
                                error_messages={"invalid": "月数は1から12で入力してください。",
                                                "min_value": "月数は1から12で入力してください。",
                                                "max_value": "月数は1から12で入力してください。",
                                                "required": "月数を入力してください。"})

    def clean(self):
        data = super().clean()
        if data.get("self_taxed") and not data.get("household_taxed"):
            self.add_error("household_taxed", "本人が課税の場合、世帯も課税になります。")
        return data
