"""Reads the product's reference data (seed exit criteria, demo data) from seed_data/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from governance.audit import acting_as
from governance.extensions import db

SEED_DIR = Path(__file__).resolve().parent.parent / "seed_data"


@cache
def load(name: str, seed_dir: Path = SEED_DIR) -> Any:
    with (seed_dir / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _rendered(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The specs with each criterion's title and description rendered from its rule's
    parameters (the rule holds the number, the text names it: "in the last {days} days")."""
    from governance.gates.rules import render_text

    return [
        {
            **spec,
            "criteria": [
                {
                    **c,
                    "title": render_text(c["title"], c.get("rule")),
                    "description": render_text(c.get("description", ""), c.get("rule")),
                }
                for c in spec["criteria"]
            ],
        }
        for spec in specs
    ]


@cache
def _phases() -> list[dict[str, Any]]:
    return _rendered(load("phases.yaml")["phases"])


@cache
def _stage_gates() -> list[dict[str, Any]]:
    return _rendered(load("phases.yaml")["stage_gates"])


def phase_catalog() -> list[dict[str, Any]]:
    """The seven phases with the exit criteria every new initiative starts with."""
    return _phases()


def maturity_model(name: str = "maturity_model.yaml") -> dict[str, Any]:
    """The maturity model: `levels` (1-5 with names) and `dimensions` (key, name, rubric)."""
    model: dict[str, Any] = load(name)
    return model


def maturity_dimensions() -> list[dict[str, Any]]:
    dimensions: list[dict[str, Any]] = maturity_model()["dimensions"]
    return dimensions


def maturity_levels() -> dict[int, str]:
    return {int(level["level"]): level["name"] for level in maturity_model()["levels"]}


def stage_gate_catalog() -> list[dict[str, Any]]:
    """The stage gates (pilot -> scale -> production) with their own exit criteria."""
    return _stage_gates()


@dataclass
class Story:
    """The demo's history, told in time order.

    Each area's demo loader adds what happened, when and by whom (`at`); `tell` then replays
    it all in time order, each step acting as its person at its moment, so the decision log's
    hash chain is in time order, and every log entry and audit event carries the story's date
    and person rather than the moment and the account that loaded the demo."""

    steps: list[tuple[datetime, int, int, Callable[[], Any]]] = field(default_factory=list)

    def at(self, when: datetime, person_id: int, step: Callable[[], Any]) -> None:
        self.steps.append((when, len(self.steps), person_id, step))

    def tell(self) -> None:
        for when, _order, person_id, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            with acting_as(person_id, at=when):
                step()
                db.session.flush()  # audit events are written at flush: inside the moment
        self.steps.clear()


def earliest_date(*names: str) -> date:
    """The earliest date written anywhere in these seed files: when the demo's story starts."""

    def dates(value: Any) -> Iterator[date]:
        if isinstance(value, date):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from dates(item)
        elif isinstance(value, list):
            for item in value:
                yield from dates(item)

    return min(day for name in names for day in dates(load(name)))
