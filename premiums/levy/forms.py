"""Forms of the levy's screens: the counter's premium estimate (保険料の試算). Shape only; Japanese
errors that never repeat what was entered."""

from __future__ import annotations

from django import forms

from kaigo.forms import DigitsIntegerField, NumericInput, StaffForm

YEN_FIELD_ERRORS = {"invalid": "金額は数字（円）で入力してください。", "min_value": "金額に負の値は入力できません。",
                    "max_value": "金額が大きすぎます。"}


def _yen(label: str, *, required: bool = False, min_value: int | None = 0) -> DigitsIntegerField:
    return DigitsIntegerField(label=label, required=required, min_value=min_value, max_value=99_999_999_999,
                              initial=0, error_messages={**YEN_FIELD_ERRORS, "required": "金額を入力してください。"},
                              widget=NumericInput())


class SimulatorForm(StaffForm):
    """保険料の試算 at the counter: the facts a resident tells, nothing stored, nothing logged."""

    fiscal_year = DigitsIntegerField(label="年度", min_value=2000, max_value=2100,
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
    months = DigitsIntegerField(label="賦課月数（年度の途中で資格を取得・喪失する場合）", min_value=1, max_value=12, initial=12,
                                error_messages={"invalid": "月数は1から12で入力してください。",
                                                "min_value": "月数は1から12で入力してください。",
                                                "max_value": "月数は1から12で入力してください。",
                                                "required": "月数を入力してください。"})

    def clean(self):
        data = super().clean()
        if data.get("self_taxed") and not data.get("household_taxed"):
            self.add_error("household_taxed", "本人が課税の場合、世帯も課税になります。")
        return data
