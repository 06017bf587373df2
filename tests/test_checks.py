"""Row-level checks: VIN check digit, Chinese plates, mainland mobile numbers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from addin.checks import mobile_valid, plate_valid, vin_check_digit, vin_error, vin_valid, vins_valid


@pytest.mark.parametrize("vin, digit", [
    ("1M8GDM9AXKP042788", "X"),  # the worked example of the check-digit algorithm (49 CFR 565)
    ("1HGCM82633A004352", "3"),
    ("11111111111111111", "1"),
    ("LVSHCAMB1CE054249", "1"),  # a Changan Ford VIN
])
def test_real_vins(vin, digit):
    assert vin_check_digit(vin) == digit
    assert vin_valid(vin)
    assert vin_valid(f"  {vin.lower()} ")


@pytest.mark.parametrize("vin", [
    "1M8GDM9A1KP042788",  # wrong check digit
    "1HGCM82633A00435",  # 16 characters
    "1HGCM82633A0043521",  # 18 characters
    "1HGCM8263IA004352",  # I is not allowed
    "1HGCM82633O004352",  # O is not allowed
    "", None, 12345, float("nan"),
])
def test_invalid_vins(vin):
    assert not vin_valid(vin)


def test_check_digit_needs_a_vin_shape():
    with pytest.raises(ValueError):
        vin_check_digit("1HGCM82633A00435Q")


@pytest.mark.parametrize("plate", ["京A12345", "粤B1234学", "沪AD12345", "京A·F1234", "粤B12345D", "浙A 12345",
                                   "苏e12345", "川AD1234", "京AA12345"])
def test_valid_plates(plate):
    assert plate_valid(plate)


@pytest.mark.parametrize("plate", ["京I12345", "京A1234", "京A1234567", "XA12345", "京AO1234", "A12345", "", None,
                                   "沪AD1234X", "沪A123456"])
def test_invalid_plates(plate):
    assert not plate_valid(plate)


@pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "+86-13912345678", "0086 13912345678",
                                   "8613912345678", "199-1234-5678", 13800138000, 13800138000.0])
def test_valid_mobiles(phone):
    assert mobile_valid(phone)


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380001", "010-88886666", "+1 415 555 0100",
                                   "", None, True, 1.5])
def test_invalid_mobiles(phone):
    assert not mobile_valid(phone)


@pytest.mark.parametrize("vin, error", [
    ("1M8GDM9AXKP042788", None), (" 1m8gdm9axkp042788", None), ("", "blank"), (None, "blank"),
    ("1M8GDM9AXKP04278", "length"), ("1M8GDM9AXKP04278O", "characters"), ("1M8GDM9A1KP042788", "check_digit"),
])
def test_vin_error_says_what_is_wrong(vin, error):
    assert vin_error(vin) == error


@pytest.mark.parametrize("phone", ["13800138000", "19912345678", "13800138000\n", "12800138000", "1380013800",
                                   "86138001380", "1380013800a"])
def test_a_plainly_written_mobile_gets_the_verdict_of_the_full_steps(phone):
    """The fast path (a number written as 11 plain digits) says what the full steps say of the
    same text with spaces around it (which the fast path does not take)."""
    assert mobile_valid(phone) == mobile_valid(f"  {phone}  ")
    assert mobile_valid(phone) is (phone.strip() in ("13800138000", "19912345678"))


def test_many_vins_at_once_get_the_verdict_of_one_at_a_time():
    """vins_valid (a vehicle file at once, in numpy) says what vin_valid says of each value:
    valid VINs, one character changed, lower case and spaces, other lengths, letters a VIN does
    not allow, characters outside ASCII (among them the long s, which upper() makes an S), and
    values that are not text."""
    rng = random.Random(7)
    alphabet = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
    values: list[object] = ["1M8GDM9AXKP042788", " 1m8gdm9axkp042788 ", "1HGCM82633A004352", "LVSHCAMB1CE054249",
                            "1HGCM8263IA004352", "1HGCM82633O004352", "1HGCM82633A00435Q", "1HGCM82633A00435",
                            "1HGCM82633A0043521", "", "   ", None, 12345, float("nan"), True, 1.5,
                            "1M8GDM9A9KP04278\u017f", "1m8gdm9a9kp04278\u017f", "1M8GDM9AXKP04278\u017f", "\uff11M8GDM9AXKP042788",
                            "1M8GDM9AXKP042788\n", "1M8GDM9AXKP0427\u00df"]
    for _ in range(3000):
        vin = [rng.choice(alphabet) for _ in range(17)]
        vin[8] = vin_check_digit("".join(vin))  # valid ...
        text = "".join(vin)
        values.append(text)
        pos = rng.randrange(17)  # ... and the same with one character changed (often invalid)
        values.append(text[:pos] + rng.choice(alphabet + "IOQ io-") + text[pos + 1:])
    expected = [vin_valid(v) for v in values]
    got = vins_valid(values)
    assert isinstance(got, np.ndarray) and got.dtype == bool
    assert got.tolist() == expected
    assert expected[:6] == [True] * 4 + [False] * 2
    assert expected[16:19] == [True, True, False]  # the long s: an S once upper case
    assert sum(expected) == 3251  # 6 of the listed values, the 3,000 made valid and 245 of the changed ones
    assert vins_valid([]).tolist() == []
