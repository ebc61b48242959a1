"""Fixtures of the verifier's tests (test_verify_*.py): a chain of entries and its JSONL lines.
They need no app: the verifier is loaded by file path (see verify_chains.py)."""

from __future__ import annotations

import json

import pytest

from tests.decisions.verify_chains import Entry, make_chain


@pytest.fixture
def entries() -> list[Entry]:
    return make_chain()


@pytest.fixture
def lines(entries: list[Entry]) -> list[str]:
    return [json.dumps(e, ensure_ascii=False) for e in entries]
