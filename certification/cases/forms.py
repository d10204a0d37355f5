"""Forms of certification cases: the work list's filter, the intake of an application, and the
case page's forms (a paper received or cancelled, the postponement, withdrawal and dismissal).
Shape only (the services decide); Japanese errors that never repeat what was entered."""

from __future__ import annotations

from django import forms

from certification.cases.models import ApplicantKind, SpecifiedDisease
from certification.rules.cases import CaseKind, CaseState, PaperKind
from eligibility.codes import Ward
from kaigo.forms import CHOICE_ERRORS, DATE_ERRORS, DigitsDateField, DigitsIntegerField, StaffForm

OPEN_STATE_CHOICES = [(s.value, s.label) for s in (CaseState.RECEIVED, CaseState.IN_PROGRESS, CaseState.ASSESSED,
                                                   CaseState.SCHEDULED, CaseState.REVIEWED)]


def _date(label: str) -> DigitsDateField:
    return DigitsDateField(label=label, error_messages=DATE_ERRORS,
                           widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))


def _text(label: str, *, required: bool = True, size: int = 50) -> forms.CharField:
    return forms.CharField(label=label, max_length=200, required=required, error_messages={
        "required": f"{label}を入力してください。", "max_length": f"{label}は200文字以内で入力してください。"},
        widget=forms.TextInput(attrs={"size": size, "autocomplete": "off"}))


class CaseFilterForm(StaffForm):
    """The work list's filter (a GET form)."""

    ward = forms.ChoiceField(label="担当区", required=False, choices=[("", "すべての区"), *Ward.choices],
                             error_messages=CHOICE_ERRORS)
    state = forms.ChoiceField(label="状態", required=False, choices=[("", "処理中のすべて"), *OPEN_STATE_CHOICES],
                              error_messages=CHOICE_ERRORS)
    due_soon = forms.BooleanField(label="30日の期限まで7日以内（期限切れを含む）で延期通知のないものだけ",
                                  required=False)
    page = DigitsIntegerField(required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput)


class CaseNewForm(StaffForm):
    """認定申請の受付: what the clerk enters from the application form (申請書)."""

    kind = forms.ChoiceField(label="申請の種類", choices=CaseKind.choices, widget=forms.RadioSelect,
                             error_messages={**CHOICE_ERRORS, "required": "申請の種類を選んでください。"})
    applied_on = _date("申請日")
    applicant_kind = forms.ChoiceField(label="申請者", choices=ApplicantKind.choices, initial=ApplicantKind.SELF,
                                       error_messages={**CHOICE_ERRORS, "required": "申請者を選んでください。"})
    proxy_office = forms.CharField(label="申請代行の事業所・施設等の名称（代行のとき）", max_length=100, required=False,
                                   error_messages={"max_length": "名称は100文字以内で入力してください。"},
                                   widget=forms.TextInput(attrs={"size": 40, "autocomplete": "off"}))
    specified_disease = forms.ChoiceField(label="特定疾病（第2号被保険者の申請のとき）", required=False,
                                          choices=[("", "（該当なし）"), *SpecifiedDisease.choices],
                                          error_messages=CHOICE_ERRORS)
    papers = forms.MultipleChoiceField(label="受け取った書類", required=False, widget=forms.CheckboxSelectMultiple,
                                       choices=[(k.value, k.label) for k in PaperKind if k != PaperKind.OTHER],
                                       error_messages={"invalid_choice": "選択肢から選んでください。"})


class PaperForm(StaffForm):
    """A paper registered on its arrival (受付)."""

    kind = forms.ChoiceField(label="書類", choices=[("", "（選択してください）"), *PaperKind.choices],
                             error_messages={**CHOICE_ERRORS, "required": "書類を選んでください。"})
    received_on = _date("受領日")
    note = _text("備考（「その他」の書類は内容）", required=False, size=30)


class PaperCancelForm(StaffForm):
    """A paper registered by mistake, cancelled with a reason."""

    paper = forms.TypedChoiceField(label="取り消す書類", coerce=int,
                                   error_messages={**CHOICE_ERRORS, "required": "取り消す書類を選んでください。"})
    reason = _text("取消の理由", size=30)

    def __init__(self, *args, papers: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paper"].choices = [("", "（選択してください）"), *papers]


class PostponeForm(StaffForm):
    """延期通知: the reason and the expected day of the decision (処理見込期間)."""

    on = _date("延期通知日")
    reason = _text("延期の理由")
    expected_by = _date("処理見込みの日")


class CloseForm(StaffForm):
    """取下げ or 却下: the day and the reason (the label names which)."""

    on = _date("日付")
    reason = _text("理由")

    def __init__(self, *args, what: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].label = f"{what}の日"
        self.fields["reason"].label = f"{what}の理由"
        self.fields["reason"].error_messages.update({"required": f"{what}の理由を入力してください。",
                                                     "max_length": f"{what}の理由は200文字以内で入力してください。"})
