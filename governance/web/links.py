"""Where the records a rule names live on the web: rules return which record fails
(`RecordRef`), pages turn it into a link here, so the domain never builds a URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request, url_for
from flask_login import current_user

from governance.gates.rules import RecordRef
from governance.permissions import Action, can

_PAGES: dict[str, Callable[[str, RecordRef], str]] = {
    "monitor": lambda slug, ref: url_for("monitors.show", slug=slug, monitor_id=ref.key),
    "incident": lambda slug, ref: url_for("incidents.show", slug=slug, incident_id=ref.key),
    "lineage_artifact": lambda slug, ref: url_for("lineage.show", slug=slug, artifact_id=ref.key),
    "decision": lambda slug, ref: url_for("decisions.show", slug=slug, seq=ref.key),
    "missing_decision": lambda slug, ref: url_for(
        "decisions.create", slug=slug, initiative=ref.key, kind=ref.detail
    ),
    "assessments": lambda slug, ref: url_for(
        "maturity.assessments", slug=slug, initiative_id=ref.key
    ),
    "objectives": lambda slug, ref: url_for(
        "maturity.objectives", slug=slug, initiative_id=ref.key
    ),
}


# Pages that act rather than show: linked only for those who may take the action there
# (the auditor is not sent to a form that answers 403).
_ACTING: dict[str, Action] = {"missing_decision": Action.PROPOSE_DECISION}


def record_url(ref: RecordRef | None, slug: str, org: Any = None) -> str | None:
    """The page of the record `ref` names in the organization `slug`, or None (no page, or a
    page that acts and the signed-in person may not act there; `org`, the organization, is
    what that is asked about)."""
    page = _PAGES.get(ref.kind) if ref is not None else None
    if page is None or ref is None:
        return None
    needed = _ACTING.get(ref.kind)
    if needed is not None and org is not None and not can(current_user, needed, org):
        return None
    return page(slug, ref)


def criterion_url(slug: str, criterion: Any) -> str:
    """An exit criterion on its initiative's page (`#criterion-<id>`): where links to it
    land, and where an action on it returns unless it was taken elsewhere."""
    page = url_for("initiatives.show", slug=slug, initiative_id=criterion.initiative_id)
    return f"{page}#criterion-{criterion.id}"


def safe_return(target: str | None) -> str | None:
    """`target` when it is a path on this site (an open redirect is refused), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    return target


def back_to(default: str) -> str:
    """Where an action returns: the `next` the form or link carried (a path on this site,
    anchor included), else `default`."""
    return safe_return(request.form.get("next") or request.args.get("next")) or default


def back_to_here(anchor: str | None = None) -> str:
    """This page's path and query, plus `#anchor`: what a link or form passes as `next`."""
    path = request.full_path if request.query_string else request.path
    return f"{path}#{anchor}" if anchor else path
