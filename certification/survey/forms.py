"""Forms of the survey screen: the assignment (調査依頼), the appointment (訪問予定), the entry of the
answers (one radio group or list per item) with the special notes, and the upload of a survey
file. Field checks only; the rules are the services'."""

from __future__ import annotations

import re
from datetime import time

from django import forms

from certification.rules.survey_items import GROUPS, ITEMS
from certification.survey.rules import PlaceKind
from kaigo.forms import CHOICE_ERRORS, DigitsDateField, DigitsRegexField, StaffForm

NOTE_MAX = 2000
SELECT_FROM = 6  # an item with this many options or more is a list (select), fewer: radio buttons


def item_field_name(code: str) -> str:
    return f"a{code}"


def note_field_name(group: int) -> str:
    return f"note{group}"


class AssignForm(StaffForm):
    body = forms.ChoiceField(label="調査機関", error_messages=CHOICE_ERRORS)
    requested_on = DigitsDateField(label="調査依頼日")
    surveyor = forms.CharField(label="認定調査員（わかれば）", required=False, max_length=50,
                               error_messages={"max_length": "認定調査員は50文字以内で入力してください。"})

    def __init__(self, *args, bodies=(), **kwargs):
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [("", "（選択）"), *((b.code, b.name) for b in bodies)]


_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")


class AppointForm(StaffForm):
    on = DigitsDateField(label="訪問予定日")
    at = DigitsRegexField(label="訪問予定時刻（例 10:30）", regex=r"^[0-9]{1,2}:[0-9]{2}$", required=False,
                          error_messages={"invalid": "時刻は「10:30」のように入力してください。"})
    place_kind = forms.ChoiceField(label="調査の実施場所", choices=PlaceKind.choices, widget=forms.RadioSelect,
                                   error_messages=CHOICE_ERRORS)
    place_note = forms.CharField(label="施設・病院の名称", required=False, max_length=100,
                                 error_messages={"max_length": "名称は100文字以内で入力してください。"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "appoint")
        super().__init__(*args, **kwargs)

    def clean_at(self) -> time | None:
        text = self.cleaned_data.get("at")
        if not text:
            return None
        hour, minute = (int(v) for v in _TIME.fullmatch(text).groups())
        if hour > 23 or minute > 59:
            raise forms.ValidationError("時刻は0:00から23:59までで入力してください。")
        return time(hour, minute)


class EntryForm(StaffForm):
    """The survey sheet: the day, the surveyor, each item (``a<code>``: the option's number) and the
    special notes of each group (``note<group>``). An item left empty is not answered yet."""

    surveyed_on = DigitsDateField(label="調査実施日")
    surveyor = forms.CharField(label="認定調査員", required=False, max_length=50,
                               error_messages={"max_length": "認定調査員は50文字以内で入力してください。"})
    warnings_confirmed = forms.BooleanField(label="警告を確認しました（回答は正しい）", required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "entry")
        super().__init__(*args, **kwargs)
        for item in ITEMS:
            choices = [(v, f"{v} {label}") for v, label in zip(item.values, item.answers, strict=True)]
            if len(choices) >= SELECT_FROM:
                widget, choices = forms.Select, [("", "（未回答）"), *choices]
            else:
                widget = forms.RadioSelect
            self.fields[item_field_name(item.code)] = forms.ChoiceField(
                label=f"{item.code} {item.full_label}", choices=choices, required=False, widget=widget,
                error_messages={"invalid_choice": f"「{item.code} {item.full_label}」は選択肢から選んでください。"})
        for group in GROUPS:
            self.fields[note_field_name(group.number)] = forms.CharField(
                label=f"特記事項（{group.label}）", required=False, max_length=NOTE_MAX, widget=forms.Textarea(
                    attrs={"rows": 3}), error_messages={"max_length": f"特記事項は{NOTE_MAX}文字以内で入力してください。"})

    def answers(self) -> dict[str, str]:
        return {item.code: self.cleaned_data.get(item_field_name(item.code)) or "" for item in ITEMS}

    def notes(self) -> dict[str, str]:
        return {str(g.number): self.cleaned_data.get(note_field_name(g.number)) or "" for g in GROUPS}


def entry_initial(survey) -> dict:
    if survey is None:
        return {}
    initial = {item_field_name(code): answer for code, answer in survey.answers.items()}
    initial.update({note_field_name(int(group)): text for group, text in survey.notes.items()})
    initial.update({"surveyed_on": survey.surveyed_on, "surveyor": survey.surveyor})
    return initial


class SurveyFileForm(StaffForm):
    file = forms.FileField(label="認定調査結果ファイル（CSV）", error_messages={"required": "ファイルを選んでください。",
                                                                        "empty": "ファイルが空です。"})
