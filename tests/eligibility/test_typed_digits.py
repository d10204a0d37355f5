"""Digits typed by staff in eligibility (issue 16): ASCII and full-width digits are accepted and
folded to ASCII; the digits of every other script (which Python's \\d, int() and strptime accept)
are refused with a Japanese message that never repeats the value: the My Number and insured
number rules, the person search, registering a resident, and every form field of eligibility's
screens and batch parameters that reads a number or a date."""

from __future__ import annotations

from datetime import date

import pytest

from audit.models import AccessLogEntry
from eligibility.intake.forms import BeforeForm, FileLinesForm, QueueFilterForm
from eligibility.models import Resident
from eligibility.qualification.batch_kinds import Age65, MoveOutLossDate, QualificationCheck
from eligibility.qualification.forms import AsOfForm, NotificationForm
from eligibility.qualification.rules import month_bounds
from eligibility.residents.forms import ResidentSearchForm
from eligibility.residents.services import DuplicateMyNumber, ResidentInvalid, resident_create
from kaigo.errors import ApplicationError
from kaigo.forms import DigitsDateField, DigitsIntegerField
from kaigo.staff.roles import Role
from tests.eligibility.factories import make_resident, resident_input

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
OTHER = "他の文字体系の数字は使えません"


# --- the form fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        pytest.param(DigitsIntegerField(), "5000", 5000, id="integer-ascii"),
        pytest.param(DigitsIntegerField(), "５０００", 5000, id="integer-full-width"),
        pytest.param(DigitsIntegerField(), "5０0０", 5000, id="integer-mixed"),
        pytest.param(DigitsIntegerField(), "٥٠٠٠", None, id="integer-arabic-indic"),
        pytest.param(DigitsIntegerField(), "5000".translate(DEVANAGARI), None, id="integer-devanagari"),
        pytest.param(DigitsIntegerField(), "50٠0", None, id="integer-mixed-arabic-indic"),
        pytest.param(DigitsDateField(), "2026-04-01", date(2026, 4, 1), id="date-ascii"),
        pytest.param(DigitsDateField(), "２０２６-０４-０１", date(2026, 4, 1), id="date-full-width"),
        pytest.param(DigitsDateField(), "2026-04-01".translate(ARABIC_INDIC), None, id="date-arabic-indic"),
        pytest.param(DigitsDateField(), "2026-04-01".translate(DEVANAGARI), None, id="date-devanagari"),
    ],
)
def test_digit_fields(field, raw, value):
    from django import forms

    if value is not None:
        assert field.clean(raw) == value
        return
    with pytest.raises(forms.ValidationError) as error:
        field.clean(raw)
    assert error.value.code == "other_digits"
    assert OTHER in error.value.messages[0] and raw not in error.value.messages[0]


def test_django_alone_reads_other_scripts_as_numbers_and_no_full_width_date():
    """Why the fields exist: Django's IntegerField reads any script's digits (int()), and its
    DateField (strptime) does not read full-width digits at all."""
    from django import forms

    assert forms.IntegerField().clean("٥٠٠٠") == 5000
    with pytest.raises(forms.ValidationError):
        forms.DateField().clean("２０２６-０４-０１")


@pytest.mark.parametrize(
    ("form", "data", "field"),
    [
        pytest.param(lambda d: AsOfForm(d), {"true_on": "2026-04-01".translate(ARABIC_INDIC)}, "true_on", id="as-of"),
        pytest.param(lambda d: NotificationForm(d), {"kind": "exemption_in", "on": "2026-04-01".translate(DEVANAGARI)},
                     "on", id="notification"),
        pytest.param(lambda d: ResidentSearchForm(d, allow_my_number=False),
                     {"kana_surname": "シケン", "birth_date": "1950-06-15".translate(ARABIC_INDIC)}, "birth_date",
                     id="search-birth-date"),
        pytest.param(lambda d: QueueFilterForm(d), {"after": "٣"}, "after", id="queue-cursor"),
        pytest.param(lambda d: FileLinesForm(d), {"after": "३"}, "after", id="file-lines-cursor"),
        pytest.param(lambda d: BeforeForm(d), {"before": "٣"}, "before", id="files-cursor"),
    ],
)
def test_screen_forms_refuse_other_digits(form, data, field):
    bound = form(data)
    assert not bound.is_valid()
    assert OTHER in " ".join(bound.errors[field])


def test_screen_forms_take_full_width_dates():
    form = AsOfForm({"true_on": "２０２６-０４-０１"})
    assert form.is_valid() and form.cleaned_data["true_on"] == date(2026, 4, 1)


@pytest.mark.parametrize(
    ("kind", "params", "stored"),
    [
        pytest.param(Age65(), {"month": "２０２６-０６"}, {"month": "2026-06"}, id="month-full-width"),
        pytest.param(QualificationCheck(), {"chunk_size": "１０００"}, {"chunk_size": 1000, "repair": False},
                     id="chunk-size-full-width"),
        pytest.param(MoveOutLossDate(), {"persons_per_chunk": "２０００"}, {"persons_per_chunk": 2000, "apply": False},
                     id="persons-full-width"),
    ],
)
def test_batch_parameters_fold_full_width_digits(kind, params, stored):
    assert kind.clean_params(params) == stored


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        pytest.param(Age65(), {"month": "2026".translate(ARABIC_INDIC) + "-06"}, id="month-arabic-indic"),
        pytest.param(QualificationCheck(), {"chunk_size": "1000".translate(DEVANAGARI)}, id="chunk-size-devanagari"),
        pytest.param(MoveOutLossDate(), {"persons_per_chunk": "٢٠٠٠"}, id="persons-arabic-indic"),
    ],
)
def test_batch_parameters_refuse_other_digits(kind, params):
    with pytest.raises(ApplicationError, match=OTHER):
        kind.clean_params(params)


@pytest.mark.parametrize("month", ["٢٠٢٦-06", "２０２６-06", "2026-6"])
def test_month_bounds_reads_ascii_only(month):
    with pytest.raises(ValueError):
        month_bounds(month)


# --- registering and searching: one person, one index ---------------------------------------------


@pytest.mark.django_db
def test_a_my_number_in_other_digits_is_refused_and_full_width_finds_the_duplicate():
    first = make_resident()
    number = first.my_number
    with pytest.raises(ResidentInvalid, match=OTHER) as error:
        resident_create(data=resident_input(my_number=number.translate(ARABIC_INDIC)), actor=None)
    assert number.translate(ARABIC_INDIC) not in str(error.value)
    with pytest.raises(DuplicateMyNumber):
        resident_create(data=resident_input(my_number=number.translate(FULL_WIDTH)), actor=None)
    assert Resident.objects.count() == 1


@pytest.mark.django_db
def test_a_resident_registered_with_full_width_digits_is_stored_in_ascii():
    resident = make_resident(my_number="１２３４ ５６７８ ９０１８")
    assert Resident.objects.get(pk=resident.pk).my_number == "123456789018"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "translate"),
    [
        pytest.param("insured_number", ARABIC_INDIC, id="insured-number-arabic-indic"),
        pytest.param("insured_number", DEVANAGARI, id="insured-number-devanagari"),
        pytest.param("my_number", ARABIC_INDIC, id="my-number-arabic-indic"),
        pytest.param("my_number", DEVANAGARI, id="my-number-devanagari"),
    ],
)
def test_the_search_refuses_other_digits_in_japanese_and_logs_nothing(client_as, field, translate):
    number = "1000000017" if field == "insured_number" else "123456789018"
    typed = number.translate(translate)
    response = client_as(Role.WARD_CLERK).post("/persons/", {field: typed})
    page = response.content.decode()
    errors = page[page.index('<div class="error-summary"'):]
    errors = errors[:errors.index("</div>")]
    assert OTHER in errors and typed not in errors  # the message never repeats the value
    assert not AccessLogEntry.objects.exists()
