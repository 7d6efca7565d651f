"""Importing the user's own modules (``--import``, a study's ``imports``): by module name or
by file path, from the current directory without ``PYTHONPATH=.``.

A user registers a space, proxy or predictor by importing the module that defines it; these
are the user's own files, named on their command line or in their own study config, imported
as Python imports them (nothing is read from data files).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["UserModuleError", "add_import_option", "import_user_module", "is_module_path"]


class UserModuleError(ImportError):
    """A user's module could not be imported: an empty name, or its own code raised (any
    exception, ``SystemExit`` included) while it was imported. An ``ImportError``, so every
    command that reports an unimportable module reports this one line too."""


def is_module_path(spec: str) -> bool:
    """Whether ``spec`` names a file (``myspace.py``, ``./lib/myspace.py``) rather than a
    module (``myspace``, ``mypkg.spaces``)."""
    return spec.endswith(".py") or "/" in spec or os.sep in spec


def import_user_module(spec: str, *, base: str | Path | None = None) -> ModuleType:
    """Import ``spec``: a module name, or the path of a ``.py`` file.

    A module name is imported as usual and, when Python's path does not hold it, from the
    current working directory (``python run_study.py`` and the ``nasperf`` command do not
    put it on ``sys.path``). A file is imported under its stem (``myspace.py`` ->
    ``myspace``; relative to ``base``, default the working directory), and its folder is
    added to ``sys.path`` so that it can import its neighbours. Importing the same file or
    module again returns the module already imported.

    Raises
    ------
    ImportError
        The module cannot be found or the file does not exist (``ModuleNotFoundError`` /
        ``ImportError`` with the name).
    UserModuleError
        ``spec`` is empty, or the module's own code raised while it was imported (an
        ``ImportError`` too): one line naming the module and the exception's first line.
        ``KeyboardInterrupt`` propagates.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise UserModuleError(f"empty module name {spec!r}: give a module name or a .py file")
    try:
        return _import(spec, base)
    except KeyboardInterrupt:
        raise
    except UserModuleError:
        raise
    except ImportError as err:
        if err.name is not None or err.path is not None or isinstance(err, ModuleNotFoundError):
            raise  # the module (or one it imports) was not found: Python's own message
        raise _failed(spec, err) from err
    except BaseException as err:  # the user's code raised: SystemExit, anything
        raise _failed(spec, err) from err


def _failed(spec: str, err: BaseException) -> UserModuleError:
    lines = str(err).strip().splitlines()
    detail = f"{type(err).__name__}: {lines[0][:300]}" if lines else type(err).__name__
    return UserModuleError(f"cannot import {spec!r}: it raised {detail}", name=spec)


def _import(spec: str, base: str | Path | None) -> ModuleType:
    if is_module_path(spec):
        path = Path(spec).expanduser()
        if not path.is_absolute():
            path = Path(base or os.getcwd()) / path
        path = path.resolve()
        if not path.is_file():
            raise ImportError(f"no such file {str(path)!r}", path=str(path))
        name = path.stem
        loaded = sys.modules.get(name)
        if loaded is not None and getattr(loaded, "__file__", None) == str(path):
            return loaded
        if loaded is not None:
            raise ImportError(
                f"cannot import {str(path)!r} as {name!r}: a different module {name!r} is "
                "already imported; rename the file",
                name=name,
            )
        folder = str(path.parent)
        if folder not in sys.path:
            sys.path.append(folder)
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:  # pragma: no cover - .py files load
            raise ImportError(f"cannot import {str(path)!r}", path=str(path))
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as err:
        cwd = os.getcwd()
        top = spec.partition(".")[0]
        if err.name != top or cwd in sys.path or "" in sys.path:
            raise
        sys.path.append(cwd)
        return importlib.import_module(spec)


def add_import_option(parser: argparse.ArgumentParser, registers: str) -> None:
    """Add the ``--import MODULE`` option every command shares (repeatable; the modules are
    imported with :func:`import_user_module`); ``registers`` says what they may register."""
    parser.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help=f"import MODULE first (registers your own {registers}): a module name (the "
        "current directory is searched too) or a .py file; repeatable",
    )
