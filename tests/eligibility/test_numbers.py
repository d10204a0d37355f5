from datetime import date

import pytest

from eligibility.residents.rules import my_number_check_digit, my_number_validate
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
