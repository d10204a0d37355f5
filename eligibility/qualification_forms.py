"""Forms of the qualification screens: they check the shape of the input only (the services
decide). Error messages are Japanese and never repeat what was entered."""

from __future__ import annotations

from django import forms

from eligibility.cards import CardReason
from eligibility.models import CardKind, Facility, FacilityKind, Ward
from eligibility.notifications import NotificationKind

DATE_ERRORS = {"invalid": "日付を正しく入力してください（例: 2025-04-01）。", "required": "日付を入力してください。"}
CHOICE_ERRORS = {"invalid_choice": "選択肢から選んでください。", "required": "選んでください。"}


def _date(label: str, *, required: bool) -> forms.DateField:
    return forms.DateField(label=label, required=required, error_messages=DATE_ERRORS,
                           widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class AsOfForm(_Form):
    """The tab's "as of" question, by GET (dates only: no personal data in the URL)."""

    known_at = _date("記録時点（この日の終わりに分かっていたこと）", required=False)
    true_on = _date("対象日（この日に有効だった資格）", required=False)


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Facility) -> str:
        return f"{obj.name}（{obj.get_kind_display()}・{obj.municipality}）"


class NotificationForm(_Form):
    kind = forms.ChoiceField(label="届出の種類", choices=NotificationKind.choices, widget=forms.RadioSelect,
                             error_messages={**CHOICE_ERRORS, "required": "届出の種類を選んでください。"})
    on = _date("異動日（申請日・入所日・退所日・適用開始日・適用終了日）", required=True)
    facility = FacilityChoiceField(
        label="施設（入所・適用開始のとき）", required=False, to_field_name="code",
        queryset=Facility.objects.exclude(kind=FacilityKind.OTHER).order_by("kind", "name"),
        empty_label="（選択してください）", error_messages=CHOICE_ERRORS,
    )


class CardIssueForm(_Form):
    kind = forms.ChoiceField(label="証の種類", choices=CardKind.choices, error_messages=CHOICE_ERRORS)
    reason = forms.ChoiceField(label="交付理由", choices=CardReason.choices, error_messages=CHOICE_ERRORS,
                               help_text="初めての交付は「交付申請」、2回目以降（再交付）は紛失・破損などの理由を選びます。")


class WorkActionForm(_Form):
    action = forms.ChoiceField(label="処理", widget=forms.RadioSelect, error_messages=CHOICE_ERRORS)

    def __init__(self, *args, actions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = actions
        if actions:
            self.fields["action"].initial = actions[0][0]


class QueueFilterForm(_Form):
    ward = forms.ChoiceField(label="担当区", required=False, choices=[("", "すべての区"), *Ward.choices],
                             error_messages=CHOICE_ERRORS)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class FileLinesForm(_Form):
    status = forms.ChoiceField(label="表示する行", required=False, error_messages=CHOICE_ERRORS,
                               choices=[("", "エラーと要確認"), ("rejected", "エラー"), ("queued", "要確認")])
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class BeforeForm(_Form):
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
