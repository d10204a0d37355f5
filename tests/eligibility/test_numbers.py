import unicodedata
from datetime import date

import pytest

from eligibility.residents.rules import (
    digits_fold,
    insured_number_check_digit,
    insured_number_from_serial,
    insured_number_validate,
    my_number_check_digit,
    my_number_validate,
)
from eligibility.residents.services import resident_indexes
from kaigo.crypto.blind_index import kana_name_index, kana_surname_birth_index, my_number_index


@pytest.mark.parametrize(
    ("first_eleven", "check"),
    [("12345678901", 8), ("00000000000", 0), ("11111111111", 8), ("98765432109", 3)],
)
def test_check_digit(first_eleven, check):
    assert my_number_check_digit(first_eleven) == check


def test_check_digit_remainder_rule():
    # remainder <= 1 gives 0: find one of each case among a range and check the rule directly
    seen = {my_number_check_digit(f"{n:011d}") for n in range(0, 2000)}
    assert seen <= set(range(10)) and 0 in seen and 9 in seen


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("123456789018", None, id="valid"),
        pytest.param("１２３４５６７８９０１８", None, id="full-width"),
        pytest.param("1234 5678 9018", None, id="spaced"),
        pytest.param("123456789019", "検査用数字が正しくありません", id="wrong-check-digit"),
        pytest.param("12345678901", "12桁", id="eleven-digits"),
        pytest.param("1234567890123", "12桁", id="thirteen-digits"),
        pytest.param("12345678901a", "12桁", id="letter"),
    ],
)
def test_my_number_validate(value, message):
    if message is None:
        assert my_number_validate(value) == "123456789018"
    else:
        with pytest.raises(ValueError, match=message) as error:
            my_number_validate(value)
        assert "1234" not in str(error.value)  # the message never repeats the number


# --- digits typed by staff: ASCII and full-width only (issue 16) -----------------------------------

ASCII = "0123456789"
SCRIPTS = {  # the digits 0-9 of scripts whose digits Python's \d and int() accept
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "extended-arabic-indic": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
    "mathematical-bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
    "full-width": "０１２３４５６７８９",
}


def spelled(number: str, script: str) -> str:
    return number.translate(str.maketrans(ASCII, SCRIPTS[script]))


def assert_never_the_value(text: str, value: str, number: str, *, label: str) -> None:
    """A Japanese message naming the field, without the value in any spelling."""
    assert text.startswith(label)
    assert value not in text and number[:4] not in text and number[-4:] not in text
    assert not any(not c.isascii() and unicodedata.category(c) == "Nd" for c in text)


MY_NUMBER = "123456789018"
INSURED = insured_number_from_serial(123_456_789)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(spelled(MY_NUMBER, "full-width"), None, id="full-width"),
        pytest.param(MY_NUMBER[:6] + spelled(MY_NUMBER[6:], "full-width"), None, id="mixed-ascii-and-full-width"),
        pytest.param("１２３４－５６７８－９０１８", None, id="full-width-with-full-width-hyphens"),
        pytest.param("1234ー5678ー9018", None, id="long-vowel-mark-as-hyphen"),
        pytest.param("\u30001234 5678 9018 ", None, id="spaces-around-and-between"),
        *(pytest.param(spelled(MY_NUMBER, script), "使えない数字", id=script)
          for script in SCRIPTS if script != "full-width"),
        pytest.param(MY_NUMBER[:11] + spelled(MY_NUMBER[11], "arabic-indic"), "使えない数字",
                     id="mixed-ascii-and-arabic-indic"),
        pytest.param(spelled(MY_NUMBER[:6], "full-width") + spelled(MY_NUMBER[6:], "devanagari"), "使えない数字",
                     id="mixed-full-width-and-devanagari"),
        pytest.param("①２３４５６７８９０１８", "12桁", id="circled-digit"),
        pytest.param("12345678901８a", "12桁", id="letter-after-full-width"),
    ],
)
def test_my_number_takes_ascii_and_full_width_digits_only(value, message):
    if message is None:
        assert my_number_validate(value) == MY_NUMBER
        return
    with pytest.raises(ValueError, match=message) as error:
        my_number_validate(value)
    assert_never_the_value(str(error.value), value, MY_NUMBER, label="個人番号")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(INSURED, None, id="ascii"),
        pytest.param(spelled(INSURED, "full-width"), None, id="full-width"),
        pytest.param(INSURED[:5] + spelled(INSURED[5:], "full-width"), None, id="mixed-ascii-and-full-width"),
        *(pytest.param(spelled(INSURED, script), "使えない数字", id=script)
          for script in SCRIPTS if script != "full-width"),
        pytest.param(INSURED[:9] + spelled(INSURED[9], "devanagari"), "使えない数字", id="mixed-ascii-and-devanagari"),
        pytest.param(INSURED[:9] + "x", "10桁", id="letter"),
        pytest.param(INSURED[:9] + str((int(INSURED[9]) + 1) % 10), "検査用数字", id="wrong-check-digit"),
    ],
)
def test_insured_number_takes_ascii_and_full_width_digits_only(value, message):
    if message is None:
        assert insured_number_validate(value) == INSURED
        return
    with pytest.raises(ValueError, match=message) as error:
        insured_number_validate(value)
    assert_never_the_value(str(error.value), value, INSURED, label="被保険者番号")


@pytest.mark.parametrize("script", [s for s in SCRIPTS if s != "full-width"])
def test_check_digits_take_ascii_only(script):
    with pytest.raises(ValueError):
        my_number_check_digit(spelled("12345678901", script))
    with pytest.raises(ValueError):
        insured_number_check_digit(spelled("123456789", script))


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        pytest.param("2026-04-01", "2026-04-01", id="ascii"),
        pytest.param("２０２６-０４-０１", "2026-04-01", id="full-width"),
        pytest.param("２０２６年４月", "2026年4月", id="other-characters-kept"),
        pytest.param("", "", id="empty"),
        *(pytest.param(spelled("2026-04-01", script), None, id=script) for script in SCRIPTS if script != "full-width"),
    ],
)
def test_digits_fold(text, folded):
    if folded is not None:
        assert digits_fold(text) == folded
    else:
        with pytest.raises(ValueError, match="半角または全角の0〜9"):
            digits_fold(text)


@pytest.mark.parametrize("spelled", ["ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう", "ヤマダ タロウ", " ヤマダ　タロウ "])
def test_every_writer_derives_a_residents_indexes_as_the_search_does(test_keyring, spelled):
    """One derivation for the counter, the registry intake and the synthetic city
    (eligibility.residents.services.resident_indexes): whatever spelling a writer was given, the
    indexes are those a search by the normalised name finds (the raw index of an unnormalised
    value cannot be computed outside kaigo.crypto.blind_index)."""
    indexes = resident_indexes(name_kana=spelled, birth_date=date(1950, 6, 15), my_number="1234 5678 9018")
    assert indexes == {
        "my_number_bidx": my_number_index("123456789018"),
        "kana_name_bidx": kana_name_index("ヤマダタロウ"),
        "kana_surname_birth_bidx": kana_surname_birth_index("ヤマダ", date(1950, 6, 15)),
    }
