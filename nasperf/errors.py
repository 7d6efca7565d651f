"""Exceptions raised at nasperf's input boundaries."""

from __future__ import annotations

from typing import Any


class InvalidArchitectureError(ValueError):
    """An architecture (or its text / key) is malformed.

    Attributes
    ----------
    field : str
        The part of the input that is wrong ("ops[3]", "adjacency", "normal[2].input", ...).
    value : Any
        The offending value.
    """

    def __init__(self, field: str, value: Any, reason: str, *, space: str | None = None) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.space = space
        where = f"{space}: " if space else ""
        shown = repr(value)
        if len(shown) > 200:
            shown = shown[:197] + "..."
        super().__init__(f"{where}invalid {field} = {shown}: {reason}")

    def within(self, prefix: str) -> InvalidArchitectureError:
        """The same error for a field inside a larger input (e.g. ``archs[3].``)."""
        return InvalidArchitectureError(
            f"{prefix}{self.field}", self.value, self.reason, space=self.space
        )


class DataIntegrityError(ValueError):
    """A packaged or user data file is missing, corrupt, or does not match its manifest."""


class IncompatibleVersionError(DataIntegrityError):
    """A saved file (predictor, pre-trained checkpoint) needs another nasperf version to load."""


class LabelLeakError(ValueError):
    """A feature column is, or looks like, the label (its name says accuracy / loss / ...,
    or it is a near-copy of ``y``): a label can never become a feature. The message names
    the column and the override (:func:`nasperf.predictors.allow_target_like_columns`)."""
