"""Row-level checks of single values: VIN, licence plate, mobile number.

Plain functions of one value, so that validation (addin.rules), the worksheet functions (UDFs)
and scripts all apply the same test. Each accepts any cell value and returns False for blanks
and non-text values rather than raising.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

# ISO 3779 / GB 16735: letters take these values; I, O and Q are not allowed in a VIN.
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}
_VIN_CHARS = frozenset(_VIN_VALUES)
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_SHAPE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")

# Province abbreviations of mainland plates (GA 36), then the issuing-office letter.
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTER = "A-HJ-NP-Z"  # plates never use I or O (confused with 1 and 0)
_PLATE_REGULAR = re.compile(
    rf"^[{_PROVINCES}][{_PLATE_LETTER}][{_PLATE_LETTER}0-9]{{4}}[{_PLATE_LETTER}0-9挂学警港澳领]$"
)
# New-energy plates have 6 characters after the office letter: small vehicles start with an
# energy letter (D electric, F hybrid; A-K without I once D/F series ran out), large ones end with it.
_PLATE_NEW_ENERGY = re.compile(
    rf"^[{_PROVINCES}][{_PLATE_LETTER}](?:[A-HJK][{_PLATE_LETTER}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$"
)
_PLATE_SEPARATORS = re.compile(r"[\s·•.\-]")

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) that the other 16 characters of ``vin`` call for: '0'-'9'
    or 'X'. Raises ValueError if ``vin`` is not 17 allowed characters."""
    text = vin.strip().upper()
    if len(text) != 17 or not _VIN_CHARS.issuperset(text):
        raise ValueError(f"not a 17-character VIN without I, O, Q: {vin!r}")
    # mapped in C: a vehicle file is checked VIN by VIN
    remainder = sum(map(operator.mul, map(_VIN_VALUES.__getitem__, text), _VIN_WEIGHTS)) % 11
    return "X" if remainder == 10 else str(remainder)


def vin_error(vin: Any) -> Literal["blank", "length", "characters", "check_digit"] | None:
    """What is wrong with a VIN, or None when it is valid: blank (or not text), not 17
    characters, characters other than digits and letters without I, O, Q, or a check digit
    (position 9) that does not match. Case and surrounding spaces are ignored."""
    text = _text(vin)
    if text is None:
        return "blank"
    text = text.upper()
    if len(text) != 17:
        return "length"
    if not _VIN_SHAPE.match(text):
        return "characters"
    return None if vin_check_digit(text) == text[8] else "check_digit"


def vin_valid(vin: Any) -> bool:
    """True for a 17-character VIN without I, O, Q whose check digit (position 9) holds.

    Case and surrounding spaces are ignored: the check digit does not depend on them."""
    return vin_error(vin) is None


# The same test for many VINs at once, in numpy: each byte's value (-1 for a character a VIN
# does not allow), the weighted sum, and the check digit it calls for.
_VIN_BYTE_VALUES = np.full(256, -1, dtype=np.int64)
_VIN_BYTE_VALUES[[ord(ch) for ch in _VIN_VALUES]] = list(_VIN_VALUES.values())
_VIN_CHECK_BYTES = np.frombuffer(b"0123456789X", dtype=np.uint8)
_VIN_WEIGHT_ARRAY = np.array(_VIN_WEIGHTS, dtype=np.int64)


def vins_valid(values: Sequence[Any]) -> np.ndarray:
    """:func:`vin_valid` of each of ``values`` (a boolean array): a vehicle file's VINs are
    checked together, the same steps on the same text (stripped, upper case, 17 characters),
    the characters and the check digit of all at once."""
    out = np.zeros(len(values), dtype=bool)
    texts, at = [], []
    for i, value in enumerate(values):
        if isinstance(value, str):
            text = value.strip().upper()
            # Other than ASCII is never allowed (and upper() is applied first, as in vin_error).
            if len(text) == 17 and text.isascii():
                texts.append(text)
                at.append(i)
    if texts:
        codes = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(len(texts), 17)
        worth = _VIN_BYTE_VALUES[codes]
        remainder = (worth @ _VIN_WEIGHT_ARRAY) % 11
        out[at] = (worth >= 0).all(axis=1) & (codes[:, 8] == _VIN_CHECK_BYTES[remainder])
    return out


def plate_valid(plate: Any) -> bool:
    """True for a mainland Chinese licence plate: 7 characters (京A12345, 粤B1234学) or an
    8-character new-energy plate (沪AD12345, 京A12345D). A separator after the office letter
    (京A·12345, 京A 12345) is accepted; letters may be lower case."""
    text = _text(plate)
    if text is None:
        return False
    text = _PLATE_SEPARATORS.sub("", text).upper()
    return bool(_PLATE_REGULAR.match(text) or _PLATE_NEW_ENERGY.match(text))


def mobile_valid(phone: Any) -> bool:
    """True for a mainland mobile number: 11 digits 1[3-9]xxxxxxxxx, optionally with a +86 /
    0086 / 86 prefix and spaces, dashes or brackets between groups (+86 138-0013-8000)."""
    if type(phone) is str and _MOBILE.match(phone):
        return True  # written plainly (most are): what the steps below would also find
    if isinstance(phone, (int, float)) and not isinstance(phone, bool):
        # A number typed into a cell arrives as 13800138000.0.
        if phone != phone or not float(phone).is_integer():
            return False
        phone = str(int(phone))
    text = _text(phone)
    if text is None:
        return False
    text = _PHONE_SEPARATORS.sub("", text)
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix):]
            break
    return bool(_MOBILE.match(text))
