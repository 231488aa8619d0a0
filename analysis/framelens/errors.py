"""Errors that name where bad input is: file, row and field.

Every error a user can cause by handing framelens bad input is a :class:`FramelensError`; the CLI prints
its one-line message and exits non-zero, without a traceback unless ``--debug`` is given.
"""
from __future__ import annotations


class FramelensError(Exception):
    """Base class for errors caused by input (files, parameters), not by bugs."""


class InputError(FramelensError, ValueError):
    """Bad input data, located as precisely as possible.

    Parameters
    ----------
    message : str
        What is wrong, in one line.
    file, row, field : optional
        Where it is. ``row`` is 1-based for files (as an editor shows lines/records) and the index
        label for DataFrames.
    """

    def __init__(self, message: str, *, file: object = None, row: object = None, field: object = None):
        self.file, self.row, self.field = file, row, field
        self.reason = message
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class LexiconError(InputError):
    """A lexicon file or object that does not validate (names file, line and entry)."""

    def __init__(self, message: str, *, file: object = None, line: int | None = None, entry: str | None = None):
        self.line, self.entry = line, entry
        where = []
        if file is not None:
            where.append(str(file) + (f":{line}" if line is not None else ""))
        elif line is not None:
            where.append(f"line {line}")
        if entry is not None:
            where.append(entry)
        full = f"{', '.join(where)}: {message}" if where else message
        FramelensError.__init__(self, full)
        self.file, self.row, self.field, self.reason = file, line, entry, message


class ParameterError(FramelensError, ValueError):
    """A parameter that cannot apply (unknown column, family not in lexicon, empty group...)."""
