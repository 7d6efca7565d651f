"""The command lines' one-line warnings: a warning reads ``prog: warning: ...``, a
:class:`~nasperf.errors.StudyNote` ``prog: note: ...``, and the library's format returns
after the command."""

from __future__ import annotations

import warnings

from nasperf._argparse import one_line_warnings
from nasperf.errors import StudyNote


def _shown(category: type[Warning]) -> str:
    # the format a shown warning takes (pytest records warnings instead of showing them)
    return warnings.formatwarning("out also holds 2 trials\nsecond line", category, "f.py", 3)


def test_a_note_and_a_warning_are_one_line_each_within_a_command():
    library = _shown(UserWarning)
    with one_line_warnings("run_study.py"):
        assert _shown(StudyNote) == "run_study.py: note: out also holds 2 trials\n"
        assert _shown(UserWarning) == "run_study.py: warning: out also holds 2 trials\n"
    assert _shown(UserWarning) == library and library.startswith("f.py:3: UserWarning: ")
