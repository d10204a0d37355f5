"""Forms of the facility cost limits: the application as the applicant filled it in (the day it
arrived, the service, the declared assets of the person and the spouse, the spouse's number or
declared tax status, the 非課税年金 and 老齢福祉年金) and the decision (a confirmation only). Field
checks only; the rules are the services'."""

from __future__ import annotations

from django import forms

from benefits.rules.limits import SERVICE_LABELS
from kaigo.forms import CHOICE_ERRORS, DigitsDateField, DigitsIntegerField, StaffForm

YEN_ERRORS = {"invalid": "円単位の数字で入力してください。", "min_value": "0円以上で入力してください。"}
SPOUSE_TAX_CHOICES = [("", "（市内の配偶者は選ばない）"), ("0", "非課税"), ("1", "課税")]


class ApplicationForm(StaffForm):
    received_on = DigitsDateField(label="受付日")
    renewal = forms.BooleanField(label="更新申請（8月1日からの認定。6月・7月に受付）", required=False)
    service = forms.ChoiceField(label="利用するサービス", choices=[("", "選んでください")] + list(SERVICE_LABELS.items()),
                                error_messages=CHOICE_ERRORS)
    assets = DigitsIntegerField(label="本人の預貯金等の額（円、申告のとおり）", min_value=0, error_messages=YEN_ERRORS)
    non_taxed_pensions = DigitsIntegerField(label="非課税年金（遺族年金・障害年金）の年額（円）", min_value=0,
                                            required=False, error_messages=YEN_ERRORS)
    old_age_welfare_pension = forms.BooleanField(label="老齢福祉年金を受給している", required=False)
    has_spouse = forms.BooleanField(label="配偶者がいる（世帯が別でも）", required=False)
    spouse_id = DigitsIntegerField(label="配偶者の宛名番号（市内に住所がある場合）", required=False, min_value=1,
                                   error_messages={"invalid": "宛名番号は数字で入力してください。",
                                                   "min_value": "宛名番号は数字で入力してください。"})
    spouse_taxed = forms.ChoiceField(label="市外の配偶者の課税（課税証明書等による）", choices=SPOUSE_TAX_CHOICES,
                                     required=False, error_messages=CHOICE_ERRORS)
    spouse_assets = DigitsIntegerField(label="配偶者の預貯金等の額（円、申告のとおり）", min_value=0, required=False,
                                       error_messages=YEN_ERRORS)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "la")
        super().__init__(*args, **kwargs)
