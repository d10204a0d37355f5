"""Form fields the eligibility screens and batch forms share: a number or date typed by staff
accepts ASCII and full-width digits (full-width folded to ASCII) and refuses the digits of every
other script (eligibility.residents.rules.digits_fold). Django's fields read numbers with Python's
int() and dates with strptime, which both accept any script's decimal digits (Arabic-Indic ٣,
Devanagari ३): these fields refuse them first, with a Japanese message that never repeats the
value."""

from __future__ import annotations

from django import forms

from eligibility.residents.rules import digits_fold


class _TypedDigits:
    def to_python(self, value):
        if isinstance(value, str):
            try:
                value = digits_fold(value)
            except ValueError as exc:
                raise forms.ValidationError(str(exc), code="other_digits") from None
        return super().to_python(value)


class DigitsIntegerField(_TypedDigits, forms.IntegerField):
    """An integer typed with ASCII or full-width digits."""


class DigitsDateField(_TypedDigits, forms.DateField):
    """A date typed with ASCII or full-width digits (「２０２６-０４-０１」 is 2026-04-01)."""


class DigitsRegexField(_TypedDigits, forms.RegexField):
    """A code checked by a regular expression (write it with [0-9], not \\d) after full-width
    digits are folded."""
