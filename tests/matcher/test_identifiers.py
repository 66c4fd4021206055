"""Y-tunnus and PIC rules."""

import pytest

from matcher.identifiers import (
    is_valid_pic,
    is_valid_ytunnus,
    vat_number,
    ytunnus_check_digit,
    ytunnus_problem,
)


@pytest.mark.parametrize("value", ["0737546-2", "0201296-1", "1234567-1"])
def test_valid_ytunnus(value):
    assert ytunnus_problem(value) is None
    assert is_valid_ytunnus(value)


def test_wrong_check_digit():
    assert ytunnus_problem("0737546-3") == "check_digit"
    assert not is_valid_ytunnus("0737546-3")


def test_remainder_zero_gives_check_digit_zero():
    # 1234562: weighted sum 143 = 13 * 11
    assert ytunnus_check_digit("1234562") == 0
    assert is_valid_ytunnus("1234562-0")


def test_remainder_one_is_invalid_whatever_the_check_digit():
    # 1234568: weighted sum 155, remainder 1 -> no check digit can be right
    assert ytunnus_check_digit("1234568") is None
    assert {ytunnus_problem(f"1234568-{d}") for d in range(10)} == {"remainder_one"}


@pytest.mark.parametrize(
    "value", ["0737546", "737546-2", "0737546-22", "07375462", "0737546 2", "FI07375462", ""]
)
def test_bad_format(value):
    assert ytunnus_problem(value) == "format"


def test_vat_number_and_pic():
    assert vat_number("0737546-2") == "FI07375462"
    assert is_valid_pic("999990655")
    assert not is_valid_pic("99999065")
    assert not is_valid_pic("99999065a")
