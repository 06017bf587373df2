"""Roles a roster member holds: the own role and the roles of also_roles (兼任, DOMAIN.md roster).

One parser for also_roles, used by identity (who may close), the headcount KPIs (concurrent,
vacancies), the headcount report and the rules: role keys, English or Chinese labels or any
synonym of models.ROLE_SYNONYMS, separated by any of , ， ; ； 、 (KPIS.md "concurrent").
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from addin.models import SHEETS
from addin.tables import enum_lookup, normalize_label

#: also_roles holds role keys, labels or synonyms separated by any of these.
ROLE_SEPARATORS = re.compile(r"[,，;；、]")


def text_of(value: Any) -> str | None:
    """A cell's text, trimmed; None for a blank (None, NaN, NA or only spaces)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def role_key(value: Any) -> str | None:
    """A role key, label or synonym -> the canonical key (None when it names no role)."""
    text = text_of(value)
    return None if text is None else enum_lookup(SHEETS["roster"].column("role")).get(normalize_label(text))


def split_also_roles(value: Any) -> tuple[list[str], list[str]]:
    """also_roles text -> (role keys in order, each once; the parts that name no role)."""
    keys: list[str] = []
    unknown: list[str] = []
    text = text_of(value)
    for part in ROLE_SEPARATORS.split(text) if text else ():
        if not part.strip():
            continue
        key = role_key(part)
        if key is None:
            unknown.append(part.strip())
        elif key not in keys:
            keys.append(key)
    return keys, unknown


def also_roles(value: Any, own: Any = None) -> list[str]:
    """The roles of also_roles other than the member's own role ``own``."""
    return [k for k in split_also_roles(value)[0] if k != own]


def person_roles(record: dict[str, Any]) -> frozenset[str]:
    """A roster member's own role and the roles of also_roles."""
    own = text_of(record.get("role"))
    roles = {own} if own else set()
    roles.update(split_also_roles(record.get("also_roles"))[0])
    return frozenset(roles)


__all__ = ["ROLE_SEPARATORS", "also_roles", "person_roles", "role_key", "split_also_roles"]
