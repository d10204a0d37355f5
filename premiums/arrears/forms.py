"""Forms of the arrears screens: shape only (the selectors decide what is shown)."""

from __future__ import annotations

from django import forms

from eligibility.codes import Ward
from kaigo.forms import DigitsIntegerField, StaffForm


class ArrearsFilterForm(StaffForm):
    """The arrears list's ward (head office only) and page, by GET: codes only, no personal data."""

    ward = forms.ChoiceField(label="区", choices=[("", "（選択）"), *Ward.choices], required=False)
    page = DigitsIntegerField(label="ページ", min_value=1, max_value=1_000_000, required=False)
