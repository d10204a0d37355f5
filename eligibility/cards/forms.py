"""The form of issuing a card at the counter: its shape only (eligibility.cards.services decides)."""

from __future__ import annotations

from django import forms

from eligibility.cards.rules import CardReason
from eligibility.codes import CardKind
from kaigo.forms import CHOICE_ERRORS, StaffForm


class CardIssueForm(StaffForm):
    kind = forms.ChoiceField(label="証の種類", choices=CardKind.choices, error_messages=CHOICE_ERRORS)
    reason = forms.ChoiceField(label="交付理由", choices=CardReason.choices, error_messages=CHOICE_ERRORS,
                               help_text="初めての交付は「交付申請」、2回目以降（再交付）は紛失・破損などの理由を選びます。")
