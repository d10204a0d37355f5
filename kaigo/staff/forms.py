"""Forms of the account screens: they check the shape of the input; the services decide."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils import timezone

from kaigo.forms import CHOICE_ERRORS, DigitsDateField
from kaigo.staff.roles import Organisation, Role


class DateInput(forms.DateInput):
    input_type = "date"


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label="付与する役割", choices=Role.choices, error_messages=CHOICE_ERRORS)
    effective_date = DigitsDateField(
        label="効力発生日", widget=DateInput, help_text="本日を指定すると直ちに有効になります。"
    )
    reason = forms.CharField(label="付与の理由", max_length=200, widget=forms.TextInput(attrs={"size": 60}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].initial = timezone.localdate()


class RoleRevokeForm(forms.Form):
    effective_date = DigitsDateField(
        label="取消の効力発生日", widget=DateInput, help_text="本日を指定すると直ちに取り消されます。"
    )
    reason = forms.CharField(label="取消の理由", max_length=200, widget=forms.TextInput(attrs={"size": 60}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].initial = timezone.localdate()


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (current password, new password twice, AUTH_PASSWORD_VALIDATORS), in Japanese,
    refusing the current password as the new one."""

    error_messages: ClassVar[dict[str, str]] = {
        **DjangoPasswordChangeForm.error_messages,
        "password_incorrect": "現在のパスワードが正しくありません。",
        "password_mismatch": "確認用のパスワードが一致しません。",
        "password_unchanged": "現在のパスワードとは異なるパスワードを入力してください。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = (
            "現在のパスワード（仮パスワード）" if self.user.must_change_password else "現在のパスワード"
        )
        self.fields["new_password1"].label = "新しいパスワード"
        self.fields["new_password2"].label = "新しいパスワード（確認）"
        self.fields["new_password1"].help_text = ""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and new == cleaned.get("old_password") and not self.has_error("new_password2"):
            self.add_error("new_password2", forms.ValidationError(
                self.error_messages["password_unchanged"], code="password_unchanged"))
        return cleaned


class SecondFactorTokenForm(forms.Form):
    token = forms.CharField(
        label="確認コード（6桁）",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}",
                                      "autofocus": True, "size": 8}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("確認コードは6桁の数字で入力してください。")
        return token


class AccountCreateRequestForm(forms.Form):
    """A request for a new account (職員管理の申請): its shape; the service checks the rest."""

    username = forms.CharField(label="職員番号（ログインに使います）", max_length=30,
                               error_messages={"required": "職員番号を入力してください。"},
                               widget=forms.TextInput(attrs={"autocomplete": "off", "size": 16}))
    display_name = forms.CharField(label="氏名", max_length=100, error_messages={"required": "氏名を入力してください。"})
    organisation = forms.ChoiceField(label="所属", choices=[("", "（選択してください）"), *Organisation.choices],
                                     error_messages={**CHOICE_ERRORS, "required": "所属を選んでください。"})
    role = forms.ChoiceField(label="付与する役割", choices=[("", "（選択してください）"), *Role.choices],
                             error_messages={**CHOICE_ERRORS, "required": "役割を選んでください。"})
    reason = forms.CharField(label="申請の理由", max_length=200, error_messages={"required": "申請の理由を入力してください。"},
                             widget=forms.TextInput(attrs={"size": 60}))


class AccountDisableRequestForm(forms.Form):
    username = forms.CharField(label="無効にするアカウントの職員番号", max_length=30,
                               error_messages={"required": "職員番号を入力してください。"},
                               widget=forms.TextInput(attrs={"autocomplete": "off", "size": 16}))
    reason = forms.CharField(label="申請の理由（退職・異動など）", max_length=200,
                             error_messages={"required": "申請の理由を入力してください。"},
                             widget=forms.TextInput(attrs={"size": 60}))


class AccountDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="決定", widget=forms.RadioSelect,
                                 choices=[("approve", "承認する"), ("reject", "却下する")],
                                 error_messages={**CHOICE_ERRORS, "required": "承認するか却下するかを選んでください。"})
    reason = forms.CharField(label="決定の理由（却下のときは必須）", max_length=200, required=False,
                             widget=forms.TextInput(attrs={"size": 60}))
    confirm = forms.BooleanField(label="申請の内容を確認しました（決定は取り消せません）",
                                 error_messages={"required": "申請の内容を確認したら、確認の欄にチェックしてください。"})
