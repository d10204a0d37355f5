"""Forms of collection (収納): shape only (the services decide). Japanese errors that never repeat
what was entered."""

from __future__ import annotations

from datetime import date

from django import forms

from kaigo.forms import DATE_ERRORS, DigitsDateField, DigitsIntegerField, DigitsRegexField, NumericInput, StaffForm

AMOUNT_ERRORS = {"invalid": "金額は数字（円）で入力してください。", "required": "金額を入力してください。",
                 "min_value": "金額は1円以上で入力してください。", "max_value": "金額が大きすぎます。"}


class CounterPaymentForm(StaffForm):
    """窓口での収納: one open installment of a levied year."""

    installment = forms.ChoiceField(label="納期", widget=forms.RadioSelect,
                                    error_messages={"invalid_choice": "選択肢から選んでください。",
                                                    "required": "納期を選んでください。"})
    amount = DigitsIntegerField(label="金額（円）", min_value=1, max_value=10_000_000, error_messages=AMOUNT_ERRORS,
                                widget=NumericInput())
    paid_on = DigitsDateField(label="納付日", error_messages=DATE_ERRORS,
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


class CounterPaymentsForm(StaffForm):
    """窓口での収納: one or several open bill installments, the day paid and the amount received
    (pre-filled from what the chosen installments ask for, their late charges included)."""

    installments = forms.MultipleChoiceField(label="納期（複数選べます）", widget=forms.CheckboxSelectMultiple,
                                             error_messages={"invalid_choice": "選択肢から選んでください。",
                                                             "required": "納期を選んでください。"})
    paid_on = DigitsDateField(label="納付日", error_messages=DATE_ERRORS,
                              widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))
    amount = DigitsIntegerField(label="領収金額（円）", min_value=1, max_value=10_000_000, error_messages=AMOUNT_ERRORS,
                                required=False,
                                widget=NumericInput())
    note = forms.CharField(label="備考", required=False, max_length=200,
                           error_messages={"max_length": "備考は200文字以内で入力してください。"})
    overpay_confirmed = forms.BooleanField(label="合計を超える金額を過納として受け付ける", required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installments"].choices = list(choices)

    key = staticmethod(CounterPaymentForm.key)

    def keys(self) -> list[tuple[int, str, date]]:
        out = []
        for value in self.cleaned_data["installments"]:
            fiscal_year, method, month = value.split(":")
            out.append((int(fiscal_year), method, date.fromisoformat(month)))
        return out


class ExemptionApplyForm(StaffForm):
    """延滞金の減免の申請: the installment, the whole charge or an amount, the reason."""

    installment = forms.ChoiceField(label="納期", error_messages={"invalid_choice": "選択肢から選んでください。",
                                                                "required": "納期を選んでください。"})
    amount = DigitsIntegerField(label="減免額（円。全額のときは空欄）", min_value=1, required=False,
                                error_messages=AMOUNT_ERRORS,
                                widget=NumericInput())
    reason = forms.CharField(label="申請の理由", max_length=200,
                             error_messages={"required": "理由を入力してください。",
                                             "max_length": "理由は200文字以内で入力してください。"})

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installment"].choices = list(choices)


class ExemptionDecideForm(StaffForm):
    """The section chief's decision on a late charge's exemption."""

    decision = forms.ChoiceField(label="決定", choices=[("approve", "承認"), ("reject", "却下")],
                                 widget=forms.RadioSelect,
                                 error_messages={"required": "承認か却下を選んでください。",
                                                 "invalid_choice": "選択肢から選んでください。"})
    reason = forms.CharField(label="決定の理由", max_length=200,
                             error_messages={"required": "決定の理由を入力してください。",
                                             "max_length": "理由は200文字以内で入力してください。"})


class HeldPaymentDecideForm(StaffForm):
    """A clerk's decision on a payment held because it was far beyond what was due."""

    decision = forms.ChoiceField(label="判断", choices=[("apply", "過納として収納する"), ("return", "返戻する")],
                                 widget=forms.RadioSelect,
                                 error_messages={"required": "過納として収納するか返戻するかを選んでください。",
                                                 "invalid_choice": "選択肢から選んでください。"})
    reason = forms.CharField(label="判断の理由", max_length=200,
                             error_messages={"required": "判断の理由を入力してください。",
                                             "max_length": "理由は200文字以内で入力してください。"})


ACCOUNT_TYPE_CHOICES = [("1", "普通"), ("2", "当座"), ("4", "貯蓄")]


class SettlementForm(StaffForm):
    """還付・充当の決定: a year's overpayment refunded (by transfer to the account entered) or applied
    to an open bill installment."""

    kind = forms.ChoiceField(label="決定", choices=[("refund", "還付（口座振込）"), ("offset", "充当")],
                             widget=forms.RadioSelect, error_messages={"required": "還付か充当を選んでください。",
                                                                       "invalid_choice": "選択肢から選んでください。"})
    source = forms.ChoiceField(label="過納の年度", error_messages={"invalid_choice": "選択肢から選んでください。",
                                                                 "required": "過納の年度を選んでください。"})
    amount = DigitsIntegerField(label="金額（円）", min_value=1, max_value=10_000_000, error_messages=AMOUNT_ERRORS,
                                widget=NumericInput())
    target = forms.ChoiceField(label="充当先の納期（充当のとき）", required=False,
                               error_messages={"invalid_choice": "選択肢から選んでください。"})
    # codes of digits (leading zeros kept): full-width digits folded, their length checked with the
    # account (premiums.collection.services.account_validate)
    bank_code = DigitsRegexField(label="金融機関コード（4桁）", required=False, max_length=4, regex=r"^[0-9]*$",
                                 error_messages={"invalid": "金融機関コードは数字で入力してください。"},
                                 widget=NumericInput())
    branch_code = DigitsRegexField(label="支店コード（3桁）", required=False, max_length=3, regex=r"^[0-9]*$",
                                   error_messages={"invalid": "支店コードは数字で入力してください。"},
                                   widget=NumericInput())
    account_type = forms.ChoiceField(label="預金種目", required=False, choices=[("", "（選択）"), *ACCOUNT_TYPE_CHOICES])
    account_number = DigitsRegexField(label="口座番号（7桁以内）", required=False, max_length=7, regex=r"^[0-9]*$",
                                      error_messages={"invalid": "口座番号は数字で入力してください。"},
                                      widget=NumericInput())
    account_holder = forms.CharField(label="口座名義（カナ）", required=False, max_length=30,
                                     widget=forms.TextInput(attrs={"autocomplete": "off"}))
    reason = forms.CharField(label="理由", max_length=200,
                             error_messages={"required": "理由を入力してください。",
                                             "max_length": "理由は200文字以内で入力してください。"})

    def __init__(self, *args, sources=(), targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = list(sources)
        self.fields["target"].choices = [("", "（選択）"), *targets]

    def clean(self):
        data = super().clean()
        if data.get("kind") == "offset" and not data.get("target"):
            self.add_error("target", "充当先の納期を選んでください。")
        if data.get("kind") == "refund":
            for name in ("bank_code", "branch_code", "account_type", "account_number", "account_holder"):
                if not data.get(name):
                    self.add_error(name, f"還付のときは{self.fields[name].label}を入力してください。")
        return data


class TransferResultForm(StaffForm):
    """The bank's return of a transfer file (振込結果), uploaded by the head office."""

    file = forms.FileField(label="振込結果ファイル", error_messages={"required": "ファイルを選んでください。",
                                                              "empty": "ファイルが空です。"})
