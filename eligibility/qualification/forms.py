"""Forms of the qualification screens: they check the shape of the input only (the services
decide). Error messages are Japanese and never repeat what was entered."""

from __future__ import annotations

from django import forms

from eligibility.codes import FacilityCategory, FacilityKind
from eligibility.qualification.models import Facility
from eligibility.qualification.rules import NotificationKind
from kaigo.forms import CHOICE_ERRORS, DATE_ERRORS, DigitsDateField, DigitsRegexField, StaffForm


def _date(label: str, *, required: bool) -> forms.DateField:
    return DigitsDateField(label=label, required=required, error_messages=DATE_ERRORS,
                           widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))


class AsOfForm(StaffForm):
    """The tab's "as of" question, by GET (dates only: no personal data in the URL)."""

    known_at = _date("記録時点（この日の終わりに分かっていたこと）", required=False)
    true_on = _date("対象日（この日に有効だった資格）", required=False)


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Facility) -> str:
        closed = f"・{obj.closed_on:%Y-%m-%d}廃止" if obj.closed_on else ""
        return f"{obj.name}（{obj.get_kind_display()}・{obj.municipality}{closed}）"


class NotificationForm(StaffForm):
    kind = forms.ChoiceField(label="届出の種類", choices=NotificationKind.choices, widget=forms.RadioSelect,
                             error_messages={**CHOICE_ERRORS, "required": "届出の種類を選んでください。"})
    on = _date("異動日（申請日・入所日・退所日・適用開始日・適用終了日）", required=True)
    facility = FacilityChoiceField(
        label="施設（入所・適用開始のとき）", required=False, to_field_name="code",
        queryset=Facility.objects.exclude(kind=FacilityKind.OTHER).order_by("kind", "name"),
        empty_label="（選択してください）", error_messages=CHOICE_ERRORS,
    )


# --- the facility master (施設マスタ) -----------------------------------------------------------


class FacilitySearchForm(StaffForm):
    """The master's search, by GET (no personal data in the URL: facilities only)."""

    text = forms.CharField(label="施設名・施設コード・所在地（一部）", required=False, max_length=100)
    kind = forms.ChoiceField(label="種別", required=False, choices=[("", "すべて"), *FacilityKind.choices],
                             error_messages=CHOICE_ERRORS)
    where = forms.ChoiceField(label="所在地", required=False, error_messages=CHOICE_ERRORS,
                              choices=[("", "すべて"), ("city", "市内"), ("outside", "市外")])
    include_closed = forms.BooleanField(label="廃止した施設も表示する", required=False)


class FacilityForm(StaffForm):
    """A facility as entered (create, or edit: the code is then fixed). The rules of each field are
    eligibility.qualification.rules.facility_check's, applied by the service."""

    code = DigitsRegexField(
        label="施設コード（住基の住所に記録される施設のコード。英大文字と数字10文字以内）", regex=r"^[A-Za-z0-9]{1,10}$",
        max_length=10, error_messages={"invalid": "施設コードは英大文字と数字で10文字以内で入力してください。",
                                       "required": "施設コードを入力してください。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 12}))
    name = forms.CharField(label="施設名", max_length=100, error_messages={
        "required": "施設名を入力してください。", "max_length": "施設名は100文字以内で入力してください。"},
        widget=forms.TextInput(attrs={"size": 40}))
    category = forms.ChoiceField(label="施設種別", choices=[("", "（選択してください）"), *FacilityCategory.choices],
                                 error_messages={**CHOICE_ERRORS, "required": "施設種別を選んでください。"})
    municipality = DigitsRegexField(
        label="所在市町村コード（検査数字を含む6桁）", regex=r"^[0-9]{6}$", max_length=6,
        error_messages={"invalid": "所在市町村コードは6桁の数字で入力してください。",
                        "required": "所在市町村コードを入力してください。"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 8}))
    address = forms.CharField(label="所在地", max_length=200, required=False, error_messages={
        "max_length": "所在地は200文字以内で入力してください。"}, widget=forms.TextInput(attrs={"size": 50}))
    office_number = DigitsRegexField(
        label="介護保険事業所番号（10桁。介護保険施設は必須）", regex=r"^[0-9]{2}[0-9A-Za-z][0-9]{7}$", max_length=10,
        required=False, error_messages={"invalid": "介護保険事業所番号は10桁（3桁目のみ英大文字も可）で入力してください。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 12}))
    opened_on = _date("開設日", required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").upper()

    def clean_office_number(self):
        return (self.cleaned_data.get("office_number") or "").upper()


class FacilityCloseForm(StaffForm):
    closed_on = _date("廃止日（この日から入所できません）", required=True)
    reason = forms.CharField(label="廃止の理由", max_length=200, error_messages={
        "required": "廃止の理由を入力してください。", "max_length": "廃止の理由は200文字以内で入力してください。"},
        widget=forms.TextInput(attrs={"size": 50}))
