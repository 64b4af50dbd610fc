"""Errors a user sees, each with the exit status the command line gives it."""

from __future__ import annotations


class HanamiError(Exception):
    """Base class: a message for the user and an exit status."""

    exit_code = 1


class CaseError(HanamiError):
    """Bad input: a case file, an override or a command-line option (exit 2)."""

    exit_code = 2


class BlowUpError(HanamiError):
    """The solution became NaN/Inf or left its bounds (exit 3)."""

    exit_code = 3

    def __init__(self, message: str, *, time: float, iteration: int, field: str):
        super().__init__(message)
        self.time = time
        self.iteration = iteration
        self.field = field

