"""Forms of regional support's screens: the basic checklist (the day, the place, the 24 questions
as はい/いいえ radio groups, height and weight for 問12), the decision and the end of a participant
status. Field checks only; the rules are the services'."""

from __future__ import annotations

from django import forms

from benefits.regional.models import ChecklistPlace, ParticipantEnd
from benefits.rules.checklist import ASKED, ITEMS
from kaigo.forms import CHOICE_ERRORS, DigitsDateField, DigitsDecimalField, StaffForm

ANSWER_CHOICES = [("1", "はい"), ("0", "いいえ")]
QUESTIONS = {i.number: i.question for i in ITEMS}


def item_field_name(number: int) -> str:
    return f"q{number}"


class ChecklistForm(StaffForm):
    """The checklist sheet: ``q<number>`` for each question asked (1 はい / 0 いいえ); 問12 from the
    height and weight. An unanswered question is the service's refusal, by number."""

    checked_on = DigitsDateField(label="実施日")
    place = forms.ChoiceField(label="実施場所", choices=ChecklistPlace.choices, widget=forms.RadioSelect,
                              error_messages=CHOICE_ERRORS)
    height_cm = DigitsDecimalField(label="問12 身長（cm）", required=False, max_digits=4, decimal_places=1,
                                   error_messages={"invalid": "身長は数字で入力してください（例 158.5）。",
                                                   "max_digits": "身長は小数点以下1桁までで入力してください。",
                                                   "max_decimal_places": "身長は小数点以下1桁までで入力してください。",
                                                   "max_whole_digits": "身長が大きすぎます。"})
    weight_kg = DigitsDecimalField(label="問12 体重（kg）", required=False, max_digits=4, decimal_places=1,
                                   error_messages={"invalid": "体重は数字で入力してください（例 52.0）。",
                                                   "max_digits": "体重は小数点以下1桁までで入力してください。",
                                                   "max_decimal_places": "体重は小数点以下1桁までで入力してください。",
                                                   "max_whole_digits": "体重が大きすぎます。"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "cl")
        super().__init__(*args, **kwargs)
        for number in ASKED:
            self.fields[item_field_name(number)] = forms.ChoiceField(
                label=f"問{number} {QUESTIONS[number]}", choices=ANSWER_CHOICES, required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": f"問{number}の回答は「はい」か「いいえ」を選んでください。"})

    def answers(self) -> dict[int, int | None]:
        out = {}
        for number in ASKED:
            value = self.cleaned_data.get(item_field_name(number))
            out[number] = int(value) if value not in (None, "") else None
        return out

    def item_fields(self):
        return [(number, self[item_field_name(number)]) for number in ASKED]


class DecideForm(StaffForm):
    confirmed_on = DigitsDateField(label="確認日")
    valid_from = DigitsDateField(label="適用開始日", required=False,
                                 help_text="空欄のときは基本チェックリストの実施日から適用します。")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "decide")
        super().__init__(*args, **kwargs)


class EndForm(StaffForm):
    on = DigitsDateField(label="終了日", help_text="この日から事業対象者ではなくなります。")
    reason = forms.ChoiceField(label="終了の事由", choices=[("", "（選択）"), *ParticipantEnd.choices],
                               error_messages=CHOICE_ERRORS)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "end")
        super().__init__(*args, **kwargs)
