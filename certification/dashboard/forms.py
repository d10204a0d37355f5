"""Form of the deadline dashboard: shape only (the selectors decide the scope)."""

from __future__ import annotations

from django import forms

from eligibility.codes import Ward
from kaigo.forms import StaffForm


class DashboardFilterForm(StaffForm):
    """The ward to narrow the dashboard to (head office and the chief), by GET: a code, no personal data."""

    ward = forms.ChoiceField(label="区", choices=[("", "すべての区"), *Ward.choices], required=False)
