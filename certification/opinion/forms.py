"""Forms of the doctor's opinion: the request, the receipt with its items, the reminder sent, the
cancellation, and a doctor added to the master. Shape only; the services check the rest."""

from __future__ import annotations

from django import forms

from certification.cases.models import SpecifiedDisease
from certification.opinion.rules import (
    CognitiveAbility,
    Communication,
    DementiaRank,
    Eating,
    Setting,
    ShortTermMemory,
    Stability,
)
from kaigo.forms import CHOICE_ERRORS, DATE_ERRORS, DigitsDateField, DigitsRegexField, StaffForm

_DATE = {"type": "date", "autocomplete": "off"}


def _radio(label: str, choices) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect,
                             error_messages={**CHOICE_ERRORS, "required": f"{label}を選んでください。"})


class OpinionRequestForm(StaffForm):
    doctor = forms.ChoiceField(label="依頼先の医師", choices=(),
                               error_messages={**CHOICE_ERRORS, "required": "依頼先の医師を選んでください。"})
    requested_on = DigitsDateField(label="依頼日", error_messages=DATE_ERRORS, widget=forms.DateInput(attrs=_DATE))

    def __init__(self, *args, doctors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doctor"].choices = [("", "選んでください"), *doctors]


class OpinionReceiveForm(StaffForm):
    received_on = DigitsDateField(label="受領日", error_messages=DATE_ERRORS, widget=forms.DateInput(attrs=_DATE))
    written_on = DigitsDateField(label="記入日（意見書の日付）", error_messages=DATE_ERRORS,
                                 widget=forms.DateInput(attrs=_DATE))
    dementia_rank = _radio("認知症高齢者の日常生活自立度", DementiaRank.choices)
    short_term_memory = _radio("短期記憶", ShortTermMemory.choices)
    cognitive_ability = _radio("日常の意思決定を行うための認知能力", CognitiveAbility.choices)
    communication = _radio("自分の意思の伝達能力", Communication.choices)
    eating = _radio("食事行為", Eating.choices)
    stability = _radio("症状の安定性", Stability.choices)
    specified_disease = forms.ChoiceField(label="特定疾病の診断（第2号被保険者のみ）", required=False,
                                          choices=[("", "なし（第1号被保険者）"), *SpecifiedDisease.choices],
                                          error_messages=CHOICE_ERRORS)
    setting = _radio("作成料の区分（在宅・施設）", Setting.choices)
    continuing = _radio("作成料の区分（新規・継続）", [("new", "新規（この医師による初めての意見書）"),
                                               ("continuing", "継続（2回目以降）")])


class OpinionRemindForm(StaffForm):
    reminded_on = DigitsDateField(label="督促日", error_messages=DATE_ERRORS, widget=forms.DateInput(attrs=_DATE))


class OpinionCancelForm(StaffForm):
    on = DigitsDateField(label="取消日", error_messages=DATE_ERRORS, widget=forms.DateInput(attrs=_DATE))
    reason = forms.CharField(label="取消の理由", max_length=200,
                             error_messages={"required": "取消の理由を入力してください。",
                                             "max_length": "取消の理由は200文字以内で入力してください。"})


class DoctorForm(StaffForm):
    institution_code = DigitsRegexField(label="医療機関コード（10桁）", regex=r"^[0-9]{10}$", max_length=10,
                                        error_messages={"invalid": "医療機関コードは10桁の数字で入力してください。",
                                                        "required": "医療機関コードを入力してください。",
                                                        "max_length": "医療機関コードは10桁の数字で入力してください。"})
    institution_name = forms.CharField(label="医療機関の名称（新しい医療機関のとき）", required=False, max_length=100,
                                       error_messages={"max_length": "名称は100文字以内で入力してください。"})
    doctor_name = forms.CharField(label="医師の氏名", max_length=60,
                                  error_messages={"required": "医師の氏名を入力してください。",
                                                  "max_length": "医師の氏名は60文字以内で入力してください。"})
