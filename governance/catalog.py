"""Reads the product's reference data (seed exit criteria, demo data) from seed_data/."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

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
