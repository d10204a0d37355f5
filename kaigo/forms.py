"""What every staff screen's forms share: no colon after the labels, the Japanese messages of
dates and choices (never repeating what was entered), a service's refusal shown on the form
(``form_run``), and the fields of every number and date a clerk types.

Numbers and dates (docs/subsystems/shell.md, "Screen rules"): every form field that reads a
number or a date is one of the ``Digits*`` fields below, so that full-width digits (「２０２６」)
are accepted everywhere, folded to ASCII, and the digits of other scripts are refused
(kaigo.digits). Django's fields read numbers with int() and dates with strptime, which accept any
script's decimal digits. A number is typed in a text box with ``inputmode="numeric"``
(``NumericInput``), not ``<input type="number">``, which refuses full-width digits in some
browsers and changes the value under the mouse wheel. A date outside ``EARLIEST_DATE`` ..
``LATEST_DATE`` (9999-12-31, year 0, a typo of the century) is a field error, never a 500 further
on where a day is added to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django import forms

from kaigo.digits import digits_fold
from kaigo.errors import ApplicationError, NotPermitted

DATE_ERRORS = {"invalid": "日付を正しく入力してください（例: 2025-04-01）。", "required": "日付を入力してください。"}
CHOICE_ERRORS = {"invalid_choice": "選択肢から選んでください。", "required": "選んでください。"}
T = TypeVar("T")

# The dates a screen accepts: from the first day of the Gregorian calendar in Japan (明治6年1月1日,
# the earliest date the era conversion kaigo.documents.wareki knows) to the end of 2100.
EARLIEST_DATE = date(1873, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = "日付は1873年1月1日から2100年12月31日までの範囲で入力してください。"


class NumericInput(forms.TextInput):
    """A text box for a number: the numeric keyboard on a tablet, full-width digits accepted."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})


class _TypedDigits:
    def to_python(self, value):
        if isinstance(value, str):
            try:
                value = digits_fold(value.strip())
            except ValueError as exc:
                raise forms.ValidationError(str(exc), code="other_digits") from None
        return super().to_python(value)


class DigitsIntegerField(_TypedDigits, forms.IntegerField):
    """An integer typed with ASCII or full-width digits (an amount, a year, a count)."""

    widget = NumericInput


class DigitsDecimalField(_TypedDigits, forms.DecimalField):
    """A decimal number typed with ASCII or full-width digits (a rate: 0.5)."""

    widget = NumericInput

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["inputmode"] = "decimal"
        return attrs


class DigitsDateField(_TypedDigits, forms.DateField):
    """A date typed with ASCII or full-width digits (「２０２６-０４-０１」 is 2026-04-01), between
    ``EARLIEST_DATE`` and ``LATEST_DATE``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", DATE_ERRORS)
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(DATE_RANGE_MESSAGE, code="date_range")


class DigitsRegexField(_TypedDigits, forms.RegexField):
    """A code checked by a regular expression (write it with [0-9], not \\d) after full-width
    digits are folded."""


class StaffForm(forms.Form):
    """The base of the staff screens' forms: labels without the colon Django appends by default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def form_run(form: forms.Form, act: Callable[[dict], T]) -> T | None:
    """Validate a sent ``form`` and run ``act(form.cleaned_data)`` (a service call): what ``act``
    returned (a service returns what it wrote), or None when the form is not valid or the service
    refused. A refusal (an ``ApplicationError``; each of its ``problems`` where it lists several)
    becomes the form's error, shown with the form on the page it was sent from. ``NotPermitted``
    and a missing record are not the form's business: they go on to their pages
    (kaigo.shell.middleware.ErrorPagesMiddleware)."""
    if not form.is_valid():
        return None
    try:
        return act(form.cleaned_data)
    except NotPermitted:
        raise
    except ApplicationError as refused:
        for problem in getattr(refused, "problems", None) or [refused.message]:
            form.add_error(None, problem)
        return None
