"""Forms of the rate table screens (保険料率表): shape and each field's own range, with Japanese
messages that name the field and never repeat the value; the services decide the rest (a refusal
comes back as the form's error). Numbers are typed with ASCII or full-width digits (full-width
folded, another script's digits refused); amounts may carry thousands separators and 「円」,
rates a full-width decimal point."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django import forms

from kaigo.forms import CHOICE_ERRORS, DigitsDecimalField, DigitsIntegerField, StaffForm
from premiums.rules.codes import RoundingMode, StageGroup

_SEPARATORS = str.maketrans({",": "", "，": "", "、": "", "円": "", "．": ".", " ": "", "\u3000": ""})


def _typed(value):
    """A number as typed without its separators, 円 and full-width point (the digits are folded by
    kaigo.forms' Digits* fields, which refuse another script's digits)."""
    return value.translate(_SEPARATORS) if isinstance(value, str) else value


def _messages(label: str, *, unit: str = "", lower: str = "", upper: str = "") -> dict:
    return {
        "required": f"{label}を入力してください。",
        "invalid": f"{label}は数字{('（' + unit + '）') if unit else ''}で入力してください。",
        "min_value": f"{label}は{lower}以上で入力してください。",
        "max_value": f"{label}は{upper}以下で入力してください。",
        "max_digits": f"{label}の桁数が多すぎます。",
        "max_decimal_places": f"{label}は小数点以下4桁までで入力してください。",
        "max_whole_digits": f"{label}の整数部分の桁数が多すぎます。",
    }


class TypedIntegerField(DigitsIntegerField):
    """An integer typed with ASCII or full-width digits (12,345円 and １２３４５ are 12345)."""

    def to_python(self, value):
        return super().to_python(_typed(value))


class TypedDecimalField(DigitsDecimalField):
    """A decimal typed with ASCII or full-width digits and point (０．４５５ is 0.455)."""

    def to_python(self, value):
        return super().to_python(_typed(value))


def _numeric(decimal: bool = False) -> forms.TextInput:
    # a text box (not type=number): full-width digits and separators are accepted and folded
    return forms.TextInput(attrs={"inputmode": "decimal" if decimal else "numeric", "autocomplete": "off",
                                  "class": "number"})


def _year(label: str, *, required: bool = True) -> TypedIntegerField:
    return TypedIntegerField(label=label, required=required, min_value=2000, max_value=2100, widget=_numeric(),
                             error_messages={**_messages(label, lower="2000年度", upper="2100年度"),
                                             "invalid": f"{label}は西暦4桁（例: 2027）で入力してください。"})


def _yen(label: str, *, minimum: int, maximum: int, required: bool = True) -> TypedIntegerField:
    return TypedIntegerField(label=label, required=required, min_value=minimum, max_value=maximum, widget=_numeric(),
                             error_messages=_messages(label, unit="円", lower=f"{minimum:,}円", upper=f"{maximum:,}円"))


def _stage_number(label: str) -> TypedIntegerField:
    return TypedIntegerField(label=label, min_value=1, max_value=30, widget=_numeric(),
                             error_messages=_messages(label, lower="1", upper="30"))


def _choice(label: str, choices) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[("", "選んでください"), *choices],
                             error_messages={**CHOICE_ERRORS, "required": f"{label}を選んでください。",
                                             "invalid_choice": f"{label}は選択肢から選んでください。"})


class _YearsMixin:
    def clean(self):
        data = super().clean()
        first, last = data.get("valid_from"), data.get("valid_to")
        if first is not None and last is not None and last < first:
            self.add_error("valid_to", "適用終了年度は適用開始年度以降にしてください。")
        return data


class RateTableDraftForm(_YearsMixin, StaffForm):
    """新しい年度の保険料率表（案）: a copy of a stored table for new fiscal years."""

    source = _choice("複製元の保険料率表", [])
    name = forms.CharField(label="名称", max_length=100,
                           error_messages={"required": "名称を入力してください。",
                                           "max_length": "名称は100文字以内で入力してください。"})
    valid_from = _year("適用開始年度")
    valid_to = _year("適用終了年度（空欄は終了年度なし）", required=False)

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "選んでください"), *sources]

    def clean_source(self):
        return int(self.cleaned_data["source"])


class RateTableForm(_YearsMixin, StaffForm):
    """The settings of a draft table (premiums.rates.services.TABLE_FIELDS)."""

    name = forms.CharField(label="名称", max_length=100,
                           error_messages={"required": "名称を入力してください。",
                                           "max_length": "名称は100文字以内で入力してください。"})
    valid_from = _year("適用開始年度")
    valid_to = _year("適用終了年度（空欄は終了年度なし）", required=False)
    base_amount = _yen("基準額（年額）", minimum=1, maximum=1_000_000)
    annual_rounding_unit = _yen("年額の端数処理単位", minimum=1, maximum=10_000)
    annual_rounding_mode = _choice("年額の端数処理方法", RoundingMode.choices)
    proration_rounding_unit = _yen("月割額の端数処理単位", minimum=1, maximum=10_000)
    proration_rounding_mode = _choice("月割額の端数処理方法", RoundingMode.choices)
    public_assistance_stage = _stage_number("生活保護受給者の段階")
    old_age_welfare_pension_stage = _stage_number("老齢福祉年金受給者の段階")
    income_adjustment = _yen("所得調整額", minimum=0, maximum=10_000_000)
    income_adjustment_taxed = forms.BooleanField(label="本人課税の段階にも所得調整を適用する", required=False)
    count_non_taxable_pension = forms.BooleanField(label="非課税年金を所得段階の判定に算入する", required=False)


UPPER_CHOICES = [("true", "以下"), ("false", "未満")]


class StageForm(StaffForm):
    """One stage of a draft (premiums.rates.services.StageValues). The formset's DELETE box removes
    it (a deleted row is not validated); the blank row at the end adds one when filled in."""

    number = _stage_number("段階の番号")
    label = forms.CharField(label="表示名（空欄は「第n段階」）", max_length=40, required=False,
                            error_messages={"max_length": "表示名は40文字以内で入力してください。"})
    group = _choice("区分", StageGroup.choices)
    income_upper = _yen("所得の上限（空欄は上限なし）", minimum=0, maximum=100_000_000_000, required=False)
    upper_inclusive = _choice("上限の扱い", UPPER_CHOICES)
    multiplier = TypedDecimalField(label="保険料率", min_value=Decimal("0.0001"), max_value=Decimal("99.9999"),
                                   max_digits=6, decimal_places=4, widget=_numeric(decimal=True),
                                   error_messages={**_messages("保険料率", lower="0.0001", upper="99.9999"),
                                                   "invalid": "保険料率は小数（例: 0.455）で入力してください。"})
    reduced_multiplier = TypedDecimalField(
        label="軽減後の保険料率（空欄は軽減なし）", min_value=Decimal("0.0001"), max_value=Decimal("99.9999"),
        max_digits=6, decimal_places=4, required=False, widget=_numeric(decimal=True),
        error_messages={**_messages("軽減後の保険料率", lower="0.0001", upper="99.9999"),
                        "invalid": "軽減後の保険料率は小数（例: 0.285）で入力してください。"})

    def clean(self):
        data = super().clean()
        rate, reduced = data.get("multiplier"), data.get("reduced_multiplier")
        if rate is not None and reduced is not None and reduced > rate:
            self.add_error("reduced_multiplier", "軽減後の保険料率は保険料率以下にしてください。")
        data["upper_inclusive"] = data.get("upper_inclusive") == "true"
        return data


class StageFormSetBase(forms.BaseFormSet):
    default_error_messages: ClassVar[dict[str, str]] = {
        "missing_management_form": "画面の内容が正しく送信されませんでした。もう一度開き直してください。",
        "too_many_forms": "段階は%(num)d個までです。",
        "too_few_forms": "段階を%(num)d個以上入力してください。",
    }

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "削除"

    def clean(self):
        if any(self.errors):
            return
        seen: set[int] = set()
        kept = 0
        for form in self.forms:
            data = form.cleaned_data
            if not data or self._should_delete_form(form):
                continue
            kept += 1
            number = data["number"]
            if number in seen:
                form.add_error("number", f"第{number}段階が2回入力されています。")
            seen.add(number)
        if not kept:
            raise forms.ValidationError("段階を1つ以上入力してください。")


StageFormSet = forms.formset_factory(StageForm, formset=StageFormSetBase, extra=1, can_delete=True, max_num=30,
                                     validate_max=True)


def stage_values(formset) -> dict:
    """The kept stages of a valid formset: number -> the StageForm's cleaned data."""
    return {form.cleaned_data["number"]: form.cleaned_data for form in formset.forms
            if form.cleaned_data and not formset._should_delete_form(form)}


class ApproveForm(StaffForm):
    """承認: the section chief confirms that the approved table can no longer be changed."""

    confirm = forms.BooleanField(
        label="承認すると、この保険料率表は変更できなくなり、適用年度の賦課に使われることを確認しました",
        error_messages={"required": "承認する前に、確認の欄にチェックを入れてください。"})
