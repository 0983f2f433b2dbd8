"""Exception types of Meethuis: every user mistake becomes one of these, with where and how to fix it.

The CLI prints ``str(error)`` as one line and exits with code 2; a traceback is only shown for bugs.
"""
from __future__ import annotations

from dataclasses import dataclass


class MeethuisError(Exception):
    """Base class: a problem the user can fix, with its location and a hint.

    Parameters
    ----------
    message:
        What is wrong, in one sentence.
    file, row, column, key:
        Where it is (any may be omitted). ``row`` is 1-based as a spreadsheet user counts data rows
        (the header is row 0 of a CSV file); ``key`` is a dotted path in a YAML file.
    hint:
        How to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.key = key
        self.hint = hint
        super().__init__(self.__str__())

    def location(self) -> str:
        """Where the problem is, e.g. ``molensloot.csv, row 12, column 'rapportcijfer'``."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.key:
            parts.append(f"key '{self.key}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" Hint: {self.hint}"
        return text


class ConfigError(MeethuisError):
    """The organisation config (YAML) is missing, malformed or refers to unknown things."""


class CodebookError(MeethuisError):
    """The codebook is inconsistent, or an item id / scale / language is unknown."""


class DataError(MeethuisError):
    """A data file cannot be read or its content does not fit the codebook and mapping."""


class AnalysisError(MeethuisError):
    """The data cannot support the requested analysis (too few respondents, no variance, ...)."""


@dataclass(frozen=True)
class Problem:
    """One finding of validation that is not fatal on its own (collected into the quality summary)."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    hint: str | None = None
    severity: str = "warning"  # "warning" or "error"

    def as_error(self) -> DataError:
        return DataError(self.message, file=self.file, row=self.row, column=self.column, hint=self.hint)
