"""Forms of the review board's screens: a panel, a member, a session, the assignment of a case and
the move of a session. Shape only; Japanese errors that never repeat what was entered."""

from __future__ import annotations

from django import forms

from certification.board.rules import LARGEST_CAPACITY, LARGEST_PANEL_SIZE, MemberField
from kaigo.forms import (
    CHOICE_ERRORS,
    DATE_ERRORS,
    DigitsDateField,
    DigitsIntegerField,
    StaffForm,
)

_DATE = {"type": "date", "autocomplete": "off"}


def _text(label: str, length: int, *, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, max_length=length, required=required, error_messages={
        "required": f"{label}を入力してください。", "max_length": f"{label}は{length}文字以内で入力してください。"})


class PanelForm(StaffForm):
    name = _text("合議体の名称", 40)
    size = DigitsIntegerField(label="委員の定数（標準は5人）", initial=5, min_value=1, max_value=LARGEST_PANEL_SIZE,
                              error_messages={"invalid": "定数は数字で入力してください。", "required": "定数を入力してください。",
                                              "min_value": "定数は3人以上です。",
                                              "max_value": f"定数は{LARGEST_PANEL_SIZE}人以下で入力してください。"})
    reduced_reason = _text("定数を5人未満とする理由", 200, required=False)


class MemberForm(StaffForm):
    name = _text("氏名", 60)
    field = forms.ChoiceField(label="分野", choices=MemberField.choices, widget=forms.RadioSelect,
                              error_messages=CHOICE_ERRORS)
    profession = _text("職種（医師・看護師・社会福祉士など）", 40)
    panel = forms.TypedChoiceField(label="所属する合議体", coerce=int, required=False, empty_value=None,
                                   error_messages=CHOICE_ERRORS)
    term_start = DigitsDateField(label="任期の開始日", error_messages=DATE_ERRORS, widget=forms.DateInput(attrs=_DATE))
    term_end = DigitsDateField(label="任期の終了日（空欄は条例の任期）", required=False, error_messages=DATE_ERRORS,
                               widget=forms.DateInput(attrs=_DATE))
    predecessor = forms.TypedChoiceField(label="前任の委員（補欠の委員のとき）", coerce=int, required=False,
                                         empty_value=None, error_messages=CHOICE_ERRORS)

    def __init__(self, *args, panels=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].choices = [("", "所属なし"), *panels]
        self.fields["predecessor"].choices = [("", "なし"), *members]


class SessionForm(StaffForm):
    panel = forms.TypedChoiceField(label="合議体", coerce=int, empty_value=None, error_messages=CHOICE_ERRORS)
    held_on = DigitsDateField(label="開催日", error_messages=DATE_ERRORS, widget=forms.DateInput(attrs=_DATE))
    starts_at = forms.TimeField(label="開始時刻", required=False, widget=forms.TimeInput(attrs={"type": "time"}),
                                error_messages={"invalid": "時刻を正しく入力してください（例: 14:00）。"})
    place = _text("開催場所", 100)
    capacity = DigitsIntegerField(label="審査件数の上限（空欄は標準）", required=False, min_value=1,
                                  max_value=LARGEST_CAPACITY,
                                  error_messages={"invalid": "件数は数字で入力してください。",
                                                  "min_value": "件数は1件以上で入力してください。",
                                                  "max_value": f"件数は{LARGEST_CAPACITY}件以下で入力してください。"})
    attending = forms.TypedMultipleChoiceField(label="出席委員", coerce=int, widget=forms.CheckboxSelectMultiple,
                                               error_messages={**CHOICE_ERRORS, "required": "出席委員を選んでください。"})

    def __init__(self, *args, panels=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].choices = [("", "（選択してください）"), *panels]
        self.fields["attending"].choices = list(members)


class AssignForm(StaffForm):
    case = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": "案件を選んでください。",
                                                                          "invalid": "案件を選んでください。"})


class UnassignForm(StaffForm):
    # the choices are the session's cases of the clerk's wards, set by the view for display
    # (``offer``); the service refuses a case not on the session's list
    case = forms.IntegerField(label="割当を取り消す案件", widget=forms.Select,
                              error_messages={"required": "案件を選んでください。", "invalid": "案件を選んでください。"})
    reason = _text("割当を取り消す理由", 200)

    def offer(self, cases) -> None:
        self.fields["case"].widget.choices = [("", "（選択してください）"), *cases]


class MoveForm(StaffForm):
    held_on = DigitsDateField(label="新しい開催日", error_messages=DATE_ERRORS, widget=forms.DateInput(attrs=_DATE))
    reason = _text("変更の理由", 200)
