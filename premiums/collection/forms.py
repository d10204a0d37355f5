"""Forms of collection (収納): shape only (the services decide). Japanese errors that never repeat
what was entered."""

from __future__ import annotations

from datetime import date

from django import forms

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
