"""Registering a stand-in for the duration of one test."""

from __future__ import annotations

from typing import Any


def register_space(monkeypatch: Any, cls: type, name: str | None = None) -> None:
    """Register the search-space class ``cls`` under ``name`` (default: its ``name``) for
    one test: ``SPACES``' tables are copied first (with the built-in spaces loaded) and put
    back by ``monkeypatch`` after it, so the space does not outlive the test (tests
    elsewhere build every registered space)."""
    from nasperf.spaces import SPACES

    SPACES.names()
    monkeypatch.setattr(SPACES, "_items", dict(SPACES._items))
    monkeypatch.setattr(SPACES, "_primary", dict(SPACES._primary))
    SPACES.register(name or cls.name)(cls)
