"""The command lines' argument parser: errors are one line, ``prog: error: ...``, exit 2."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["ArgumentParser", "fail"]


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose usage errors are one line on stderr (no usage
    block), exit status 2; sub-command parsers inherit it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def fail(prog: str, message: object, code: int = 2) -> int:
    """Print ``prog: error: message`` (its first line) on stderr; return ``code``."""
    lines = str(message).strip().splitlines() or [type(message).__name__]
    print(f"{prog}: error: {lines[0]}", file=sys.stderr)
    return code
