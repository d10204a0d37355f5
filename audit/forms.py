from django import forms

from audit.codes import function_choices
from kaigo.forms import CHOICE_ERRORS, DigitsDateField, DigitsIntegerField


class AccessLogSearchForm(forms.Form):
    username = forms.CharField(label="職員（ユーザー名）", required=False, max_length=150)
    person = DigitsIntegerField(label="対象者（宛名番号）", required=False, min_value=1, max_value=2**63 - 1)
    function = forms.ChoiceField(label="機能", required=False, choices=function_choices, error_messages=CHOICE_ERRORS)
    date_from = DigitsDateField(
        label="期間（開始日）", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = DigitsDateField(
        label="期間（終了日）", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    # Keyset pagination: show entries with an id below this one.
    before = DigitsIntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_username(self):
        return self.cleaned_data["username"].strip()

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "終了日は開始日以降の日付にしてください。")
        return cleaned

    def criteria_kinds(self) -> list[str]:
        """The kinds of criteria used (recorded in the access log of this search)."""
        data = self.cleaned_data
        kinds = []
        if data.get("username"):
            kinds.append("username")
        if data.get("person") is not None:
            kinds.append("person_id")
        if data.get("function"):
            kinds.append("function")
        if data.get("date_from") or data.get("date_to"):
            kinds.append("period")
        return kinds


class PersonTrailOpenForm(forms.Form):
    person = DigitsIntegerField(label="対象者（宛名番号）", min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
