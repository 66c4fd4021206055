"""Finnish business IDs (Y-tunnus) and EU PICs: format and check-digit rules."""

from __future__ import annotations

import re
from typing import Literal

YtunnusProblem = Literal["format", "check_digit", "remainder_one"]

_YTUNNUS = re.compile(r"^(\d{7})-(\d)$")
_PIC = re.compile(r"^\d{9}$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def ytunnus_check_digit(digits: str) -> int | None:
    """The check digit of seven digits, or None when remainder 1 makes every check digit wrong."""
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def ytunnus_problem(value: str) -> YtunnusProblem | None:
    """What is wrong with a Y-tunnus (`1234567-8`), or None when it is valid."""
    match = _YTUNNUS.match(value)
    if match is None:
        return "format"
    expected = ytunnus_check_digit(match.group(1))
    if expected is None:
        return "remainder_one"
    return None if expected == int(match.group(2)) else "check_digit"


def is_valid_ytunnus(value: str) -> bool:
    """True for a well-formed Y-tunnus with the right check digit."""
    return ytunnus_problem(value) is None


def vat_number(ytunnus: str) -> str:
    """The EU VAT number of a Y-tunnus: FI and its eight digits (`0737546-2` -> `FI07375462`)."""
    return "FI" + ytunnus.replace("-", "")


def is_valid_pic(value: str) -> bool:
    """True for a nine-digit EU Participant Identification Code."""
    return bool(_PIC.match(value))
