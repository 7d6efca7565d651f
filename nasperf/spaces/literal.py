"""Bounded parsing of architecture text: one small grammar shared by every search space.

Architecture text comes from users' files, command lines and JSON keys, so reading it must
cost bounded time and memory whatever it holds. :func:`parse_literal` reads the literals
that architecture formats are written in (Python / JSON lists, tuples, objects, strings,
numbers, ``True`` / ``None`` / ``null`` ..., and optionally ``Name(...)`` calls such as
DARTS's ``Genotype(normal=[...], ...)``) with an explicit grammar:

* the text is refused by length (:data:`MAX_TEXT_LENGTH`) before it is looked at;
* it is tokenised by one ASCII-only regular expression (``[0-9]``: Unicode digits such as
  ``０`` are not numbers) and parsed with an explicit stack, never recursion, so nesting
  is refused beyond :data:`MAX_DEPTH` levels whatever the text;
* integers have at most :data:`MAX_DIGITS` digits and nothing is computed: there are no
  operators (``10**9``, ``-`` twice), and ``range(a, b)`` (DARTS's concat lists) becomes a
  lazy :class:`range`, never a list.

No code is evaluated; nothing in here calls ``eval`` or ``ast.literal_eval`` on the text.
Errors are :class:`~nasperf.errors.InvalidArchitectureError` naming the field and the
character position.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from nasperf.errors import InvalidArchitectureError

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_ITEMS",
    "MAX_TEXT_LENGTH",
    "Call",
    "check_text",
    "parse_literal",
    "strict_float",
]

#: Characters of one architecture text (NB301 genotypes are ~400, NB101 JSON ~250).
MAX_TEXT_LENGTH = 10_000
#: Nested brackets / calls in one text.
MAX_DEPTH = 8
#: Elements of one list, tuple, object or call.
MAX_ITEMS = 1_000
#: Digits of one integer literal (|n| < 10**18).
MAX_DIGITS = 18

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<num>-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<str>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<punct>[\[\](){},:=])
    """,
    re.VERBOSE | re.ASCII,
)
_CONSTANTS = {
    "True": True,
    "False": False,
    "None": None,
    "true": True,
    "false": False,
    "null": None,
}
_CLOSER = {"[": "]", "(": ")", "{": "}", "call": ")"}
_MAX_NAME = 100


_FLOAT_TEXT = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)",
    re.ASCII | re.IGNORECASE,
)


def strict_float(text: str) -> float | None:
    """The number a table cell spells (``1``, ``-2.5e3``, ``nan``, ``inf``; surrounding
    blanks allowed), or ``None``: unlike ``float()``, no ``1_000``, no Unicode digits, at
    most 64 characters."""
    text = text.strip()
    if len(text) > 64 or not _FLOAT_TEXT.fullmatch(text):
        return None
    return float(text)


@dataclass(frozen=True, slots=True)
class Call:
    """A ``name(arg, ..., key=value, ...)`` read by :func:`parse_literal` (never called).

    Attributes
    ----------
    name : str
        Possibly dotted (``genotypes.Genotype``).
    args : tuple
        Positional arguments.
    kwargs : tuple of (str, value)
        Keyword arguments in order; a repeated keyword is refused by the parser.
    """

    name: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.name}({', '.join(parts)})"

    @property
    def short_name(self) -> str:
        """The name after the last dot."""
        return self.name.rsplit(".", 1)[-1]


def check_text(
    text: Any,
    field: str = "text",
    *,
    space: str | None = None,
    expected: str = "a string",
    max_length: int = MAX_TEXT_LENGTH,
) -> str:
    """``text`` if it is a ``str`` of at most ``max_length`` characters, else an
    :class:`~nasperf.errors.InvalidArchitectureError` naming ``field`` (length checked before
    anything else reads the text)."""
    if not isinstance(text, str):
        raise InvalidArchitectureError(field, text, f"expected {expected}", space=space)
    if len(text) > max_length:
        raise InvalidArchitectureError(
            field,
            text,
            f"{len(text):,} characters; architecture text is at most {max_length:,}",
            space=space,
        )
    return text


@dataclass(slots=True)
class _Frame:
    kind: str  # "[", "(", "{" or "call"
    pos: int
    items: list
    kwargs: list
    name: str = ""
    key: Any = None  # pending object key / keyword name
    has_key: bool = False
    commas: int = 0
    label: str = "[0]"  # path part of the item being read, for errors


def parse_literal(
    text: Any,
    *,
    field: str = "text",
    space: str | None = None,
    calls: bool = False,
    ranges: bool = False,
    max_length: int = MAX_TEXT_LENGTH,
    max_depth: int = MAX_DEPTH,
    max_items: int = MAX_ITEMS,
) -> Any:
    """Read one literal from ``text`` with bounded time and memory (see the module docstring).

    Parameters
    ----------
    text : str
        The text; anything else, or longer than ``max_length``, is refused up front.
    field : str
        Named in errors (``"naslib_key"``, ``"text"``, ...).
    space : str, optional
        Search-space name for errors.
    calls : bool
        Accept ``name(args, key=value)``, returned as :class:`Call`.
    ranges : bool
        Accept ``range(start, stop[, step])`` with int arguments, returned as a lazy
        :class:`range`.
    max_length, max_depth, max_items : int
        Limits (default :data:`MAX_TEXT_LENGTH`, :data:`MAX_DEPTH`, :data:`MAX_ITEMS`).

    Returns
    -------
    list, tuple, dict, str, int, float, bool, None, range or Call

    Raises
    ------
    InvalidArchitectureError
        Not a string, too long, too deep, too many items, an integer of more than
        :data:`MAX_DIGITS` digits, or anything outside the grammar; the reason gives the
        character position.
    """
    text = check_text(text, field, space=space, max_length=max_length)
    stack: list[_Frame] = []

    def fail(reason: str) -> InvalidArchitectureError:
        # Name the part being read: "naslib_key[0][3]", "normal_concat[1]", ...
        return InvalidArchitectureError(_where(field, stack), text, reason, space=space)

    tokens = _tokenize(text)
    end = len(text)

    def describe(i: int) -> str:
        if i >= len(tokens):
            return "the end of the text"
        kind, value, pos = tokens[i]
        if kind == "bad":
            raise fail(f"unexpected character {value!r} at position {pos}")
        if kind == "str":
            return f"a string at position {pos}"
        return f"{value!r} at position {pos}"

    i = 0
    n = len(tokens)
    while True:
        # ---- read a value (pushing a frame for an opening bracket or a call)
        if i >= n:
            raise fail(f"expected a value at position {end}, found the end of the text")
        kind, tok, pos = tokens[i]
        value: Any
        produced = False
        if kind == "punct" and tok in "[({":
            if len(stack) >= max_depth:
                raise fail(f"nested deeper than {max_depth} levels at position {pos}")
            stack.append(_Frame(tok, pos, [], [], label="" if tok == "{" else "[0]"))
            i += 1
            if tok == "{":
                i = _read_key(tokens, i, stack[-1], fail, describe)
                if stack[-1].has_key is None:  # empty object
                    stack[-1].has_key = False
                    value, i = _close(stack, tokens, i, fail, ranges)
                    produced = True
            elif i < n and tokens[i][1] == _CLOSER[tok] and tokens[i][0] == "punct":
                value, i = _close(stack, tokens, i, fail, ranges)
                produced = True
            if not produced:
                continue
        elif kind == "name":
            nxt = tokens[i + 1] if i + 1 < n else None
            if nxt is not None and nxt[0] == "punct" and nxt[1] == "(":
                if not (calls or (ranges and tok == "range")):
                    raise fail(f"calls are not allowed here: {tok!r}( at position {pos}")
                if len(stack) >= max_depth:
                    raise fail(f"nested deeper than {max_depth} levels at position {pos}")
                stack.append(_Frame("call", pos, [], [], name=tok))
                i += 2
                if i < n and tokens[i] == ("punct", ")", tokens[i][2]):
                    value, i = _close(stack, tokens, i, fail, ranges)
                else:
                    i = _read_keyword(tokens, i, stack[-1])
                    continue
            elif tok in _CONSTANTS:
                value = _CONSTANTS[tok]
                i += 1
            else:
                raise fail(f"unexpected name {tok!r} at position {pos}")
        elif kind == "num":
            value = _number(tok, pos, fail)
            i += 1
        elif kind == "str":
            value = _string(tok, pos, fail)
            i += 1
        else:
            raise fail(f"expected a value, found {describe(i)}")

        # ---- attach the value to the enclosing frames, closing them as far as possible
        while True:
            if not stack:
                if i < n:
                    raise fail(f"unexpected {describe(i)} after the end of the value")
                return value
            frame = stack[-1]
            if frame.has_key:
                if frame.kind == "{" and frame.key in {k for k, _ in frame.kwargs}:
                    raise fail(f"duplicate key {frame.key!r} in the object at position {frame.pos}")
                if frame.kind == "call" and frame.key in {k for k, _ in frame.kwargs}:
                    raise fail(f"keyword {frame.key!r} given twice at position {frame.pos}")
                frame.kwargs.append((frame.key, value))
                frame.has_key = False
            else:
                if frame.kind == "call" and frame.kwargs:
                    raise fail(f"positional argument after a keyword at position {frame.pos}")
                frame.items.append(value)
            if len(frame.items) + len(frame.kwargs) > max_items:
                raise fail(f"more than {max_items:,} items in the bracket at position {frame.pos}")
            closer = _CLOSER[frame.kind]
            if i < n and tokens[i][0] == "punct" and tokens[i][1] == ",":
                frame.commas += 1
                frame.label = f"[{len(frame.items)}]"
                i += 1
                if i < n and tokens[i][0] == "punct" and tokens[i][1] == closer:
                    value, i = _close(stack, tokens, i, fail, ranges)
                    continue
                if frame.kind == "{":
                    i = _read_key(tokens, i, frame, fail, describe)
                    if frame.has_key is None:
                        raise fail(f"expected a key, found {describe(i)}")
                elif frame.kind == "call":
                    i = _read_keyword(tokens, i, frame)
                break  # read the next value
            if i < n and tokens[i][0] == "punct" and tokens[i][1] == closer:
                value, i = _close(stack, tokens, i, fail, ranges)
                continue
            raise fail(f"expected ',' or {closer!r}, found {describe(i)}")


def _where(field: str, stack: list[_Frame]) -> str:
    """``field`` followed by the path of the frames being read; a keyword of an outermost
    call names the field by itself (``Genotype(normal_concat=...)`` -> ``normal_concat``)."""
    parts = []
    for depth, frame in enumerate(stack):
        if depth == 0 and frame.kind == "call" and frame.label.startswith("."):
            field = frame.label[1:]
        else:
            parts.append(frame.label)
    return field + "".join(parts)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    end = len(text)
    match = _TOKEN.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            # Reported when the parser gets there, so that the error names the part.
            tokens.append(("bad", text[pos], pos))
            break
        kind = m.lastgroup
        assert kind is not None
        if kind != "ws":
            tokens.append((kind, m.group(), pos))
        pos = m.end()
    return tokens


def _number(tok: str, pos: int, fail) -> int | float:
    if re.fullmatch(r"-?[0-9]+", tok, re.ASCII):
        if len(tok.lstrip("-")) > MAX_DIGITS:
            raise fail(f"integer of more than {MAX_DIGITS} digits at position {pos}")
        return int(tok)
    if len(tok) > 40:
        raise fail(f"number of more than 40 characters at position {pos}")
    return float(tok)


def _string(tok: str, pos: int, fail) -> str:
    if "\\" not in tok:
        return tok[1:-1]
    try:
        # One flat string literal, already bounded by the text's length: decoding its
        # escapes runs no code.
        value = json.loads(tok) if tok[0] == '"' else ast.literal_eval(tok)
    except (ValueError, SyntaxError) as err:
        raise fail(f"bad escape in the string at position {pos} ({err})") from None
    if not isinstance(value, str):  # pragma: no cover - the token is a string literal
        raise fail(f"expected a string at position {pos}")
    return value


def _read_key(tokens, i: int, frame: _Frame, fail, describe) -> int:
    """After ``{`` or ``,`` in an object: read ``"key":``; ``has_key`` None when ``}`` follows."""
    n = len(tokens)
    if i < n and tokens[i][0] == "punct" and tokens[i][1] == "}":
        frame.has_key = None  # type: ignore[assignment]
        return i
    if i >= n or tokens[i][0] != "str":
        raise fail(f"expected a string key, found {describe(i)}")
    key = _string(tokens[i][1], tokens[i][2], fail)
    if i + 1 >= n or tokens[i + 1][:2] != ("punct", ":"):
        raise fail(f"expected ':' after the key, found {describe(i + 1)}")
    frame.key = key
    frame.has_key = True
    frame.label = f"[{key!r}]"
    return i + 2


def _read_keyword(tokens, i: int, frame: _Frame) -> int:
    """Inside a call: consume ``name=`` if present."""
    if (
        i + 1 < len(tokens)
        and tokens[i][0] == "name"
        and tokens[i + 1][0] == "punct"
        and tokens[i + 1][1] == "="
    ):
        frame.key = tokens[i][1]
        frame.has_key = True
        frame.label = f".{frame.key}"
        return i + 2
    return i


def _close(stack: list[_Frame], tokens, i: int, fail, ranges: bool) -> tuple[Any, int]:
    """Pop the innermost frame at its closing bracket ``tokens[i]``; its value and ``i + 1``."""
    frame = stack.pop()
    if frame.kind == "[":
        return frame.items, i + 1
    if frame.kind == "{":
        return dict(frame.kwargs), i + 1
    if frame.kind == "(":
        if len(frame.items) == 1 and frame.commas == 0:
            return frame.items[0], i + 1  # a parenthesised value, not a tuple
        return tuple(frame.items), i + 1
    if len(frame.name) > _MAX_NAME:
        raise fail(f"name of more than {_MAX_NAME} characters at position {frame.pos}")
    if ranges and frame.name == "range":
        args = frame.items
        if (
            frame.kwargs
            or not 1 <= len(args) <= 3
            or not all(isinstance(a, int) and not isinstance(a, bool) for a in args)
        ):
            raise fail(f"range() takes 1 to 3 int arguments (position {frame.pos})")
        if len(args) == 3 and args[2] == 0:
            raise fail(f"range() step must not be zero (position {frame.pos})")
        return range(*args), i + 1
    return Call(frame.name, tuple(frame.items), tuple(frame.kwargs)), i + 1
