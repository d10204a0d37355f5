"""Forms of the qualification screens: they check the shape of the input only (the services
decide). Error messages are Japanese and never repeat what was entered."""

from __future__ import annotations

from django import forms

from eligibility.codes import FacilityKind
from eligibility.qualification.models import Facility
from eligibility.qualification.rules import NotificationKind
from kaigo.forms import CHOICE_ERRORS, DATE_ERRORS, DigitsDateField, StaffForm


def _date(label: str, *, required: bool) -> forms.DateField:
    return DigitsDateField(label=label, required=required, error_messages=DATE_ERRORS,
                           widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))


class AsOfForm(StaffForm):
    """The tab's "as of" question, by GET (dates only: no personal data in the URL)."""

    known_at = _date("記録時点（この日の終わりに分かっていたこと）", required=False)
    true_on = _date("対象日（この日に有効だった資格）", required=False)


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Facility) -> str:
        return f"{obj.name}（{obj.get_kind_display()}・{obj.municipality}）"


class NotificationForm(StaffForm):
    kind = forms.ChoiceField(label="届出の種類", choices=NotificationKind.choices, widget=forms.RadioSelect,
                             error_messages={**CHOICE_ERRORS, "required": "届出の種類を選んでください。"})
    on = _date("異動日（申請日・入所日・退所日・適用開始日・適用終了日）", required=True)
    facility = FacilityChoiceField(
        label="施設（入所・適用開始のとき）", required=False, to_field_name="code",
        queryset=Facility.objects.exclude(kind=FacilityKind.OTHER).order_by("kind", "name"),
        empty_label="（選択してください）", error_messages=CHOICE_ERRORS,
    )
