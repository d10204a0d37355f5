import pytest

from eligibility.residents.rules import my_number_check_digit, my_number_validate


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
