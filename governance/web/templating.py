"""What every template may use: the permission check, labels, phase names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user

from governance.enums import PHASE_TITLES, PhaseKind, label
from governance.permissions import Action, can, offer
from governance.portfolio.models import Organization
from governance.portfolio.navigation import PLACES, current_place
from governance.web import formats
from governance.web.links import back_to_here, record_url


def _context() -> dict[str, Any]:
    return {
        "can": lambda action, obj=None: can(current_user, action, obj),
        "offer": lambda action, obj=None: offer(current_user, action, obj),
        "here": back_to_here,
        "Action": Action,
        "label": label,
        "PHASE_TITLES": PHASE_TITLES,
        "PHASES": list(PhaseKind),
        "record_url": record_url,
        "org_nav": org_nav,
    }


def init_app(app: Flask) -> None:
    app.context_processor(_context)
    app.jinja_env.filters["label"] = label
    # One way to write a date, a moment (UTC, said) and a number (with its unit): web/formats.py.
    app.jinja_env.filters["day"] = formats.day
    app.jinja_env.filters["when"] = formats.when
    app.jinja_env.filters["number"] = formats.number
    app.jinja_env.filters["percent"] = formats.percent
    app.jinja_env.filters["duration"] = formats.duration


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def org_nav(org: Organization) -> list[NavItem]:
    """The organization bar's items for the signed-in person on this request's page."""
    here = current_place(request.endpoint)
    return [
        NavItem(p.label, url_for(p.endpoint, slug=org.slug), p is here)
        for p in PLACES
        if can(current_user, p.action, org)
    ]
