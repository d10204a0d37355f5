from django import forms

from kaigo.forms import DigitsDateField, StaffForm


class ResidentSearchForm(StaffForm):
    insured_number = forms.CharField(label="被保険者番号", required=False, max_length=12,
                                     widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))
    my_number = forms.CharField(label="個人番号", required=False, max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))
    kana_name = forms.CharField(label="カナ氏名", required=False, max_length=60,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    kana_surname = forms.CharField(label="カナ姓", required=False, max_length=30,
                                   widget=forms.TextInput(attrs={"autocomplete": "off"}))
    birth_date = DigitsDateField(label="生年月日", required=False,
                                 widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))

    def __init__(self, *args, allow_my_number: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_my_number:
            del self.fields["my_number"]

    def clean(self):
        data = super().clean()
        if bool(data.get("kana_surname")) != bool(data.get("birth_date")):
            raise forms.ValidationError("カナ姓で検索するときは生年月日も入力してください。")
        if not (data.get("insured_number") or data.get("my_number") or data.get("kana_name")
                or data.get("kana_surname")):
            raise forms.ValidationError("検索条件を入力してください。")
        return data
