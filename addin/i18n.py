"""User-facing text in en-US and zh-CN.

Each module keeps its own messages beside its code as :class:`Text` pairs and renders them with
:func:`tr`; nothing else knows about languages.
"""

from __future__ import annotations

from typing import Any, NamedTuple

DEFAULT_LOCALE = "en-US"
#: The languages of labels, messages and reports.
LOCALES = ("en-US", "zh-CN")


class Text(NamedTuple):
    """A message in both languages, with ``str.format`` placeholders."""

    en: str
    zh: str

    def __call__(self, locale: str | None = None, **values: Any) -> str:
        return tr(self, locale, **values)


def tr(text: Text, locale: str | None = None, **values: Any) -> str:
    """Render ``text`` in ``locale`` (zh-CN or anything else for en-US)."""
    template = text.zh if locale == "zh-CN" else text.en
    return template.format(**values) if values else template


def sheet_label(sheet: str, locale: str | None) -> str:
    """A sheet's label in the locale (the key itself for a sheet the models do not know)."""
    from addin.models import SHEETS

    spec = SHEETS.get(sheet)
    return spec.label(locale or DEFAULT_LOCALE) if spec else sheet


def column_label(sheet: str, column: str, locale: str | None) -> str:
    from addin.models import SHEETS

    spec = SHEETS.get(sheet)
    if spec and column in spec.by_key:
        return spec.by_key[column].label(locale or DEFAULT_LOCALE)
    return column
