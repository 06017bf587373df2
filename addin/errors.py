"""One root error type whose messages a service advisor can act on."""

from __future__ import annotations

from typing import Any

from addin.i18n import Text, tr


class ServiceError(Exception):
    """Root of every error the add-in reports to a user. ``message(locale)`` is one clear line."""

    exit_code = 2

    def __init__(self, text: Text, **values: Any) -> None:
        self.text = text
        self.values = values
        super().__init__(tr(text, "en-US", **values))

    def message(self, locale: str | None = None) -> str:
        return tr(self.text, locale, **self.values)


class WorkbookReadError(ServiceError):
    """The file cannot be read as a workbook (missing, not a workbook, encrypted, corrupt, too big)."""


class NotAWorkbookError(WorkbookReadError):
    """The file is another kind of document; the kind (a :class:`Text` value) is said in the
    message's language."""

    def __init__(self, text: Text, **values: Any) -> None:
        super().__init__(text, **values)
        self.args = (self.message("en-US"),)

    def message(self, locale: str | None = None) -> str:
        values = {k: tr(v, locale) if isinstance(v, Text) else v for k, v in self.values.items()}
        return tr(self.text, locale, **values)


class UnsafeWriteError(ServiceError):
    """Writing would drop content of the workbook, or the file is locked: nothing was written."""


class CloseError(ServiceError):
    """Month-end close or reopen refused (errors in the data, wrong user, wrong period)."""

    exit_code = 1


class IdentityError(CloseError):
    """The person writing is not on the roster, not employed that day, or may not do this (DOMAIN.md
    "Identity"): nothing was written."""
