"""Where the records a rule names live on the web: rules return which record fails
(`RecordRef`), pages turn it into a link here, so the domain never builds a URL."""

from __future__ import annotations

from collections.abc import Callable

from flask import request, url_for
from flask_login import current_user

from governance.extensions import db
from governance.gates.rules import RecordRef
from governance.permissions import Action, can
from governance.portfolio.models import Initiative

_PAGES: dict[str, Callable[[str, RecordRef], str]] = {
    "lineage_artifact": lambda slug, ref: url_for("lineage.show", slug=slug, artifact_id=ref.key),
    "decision": lambda slug, ref: url_for("decisions.show", slug=slug, seq=ref.key),
    "missing_decision": lambda slug, ref: _missing_decision(slug, ref),
    "assessments": lambda slug, ref: url_for(
        "maturity.assessments", slug=slug, initiative_id=ref.key
    ),
    "objectives": lambda slug, ref: url_for(
        "maturity.objectives", slug=slug, initiative_id=ref.key
    ),
}


def _missing_decision(slug: str, ref: RecordRef) -> str:
    """The form that records the missing decision, for those who may record one; the log of
    the initiative's decisions for everyone else (the form would answer 403)."""
    initiative = db.session.get(Initiative, ref.key) if isinstance(ref.key, int) else None
    if initiative is not None and can(current_user, Action.PROPOSE_DECISION, initiative):
        return url_for("decisions.create", slug=slug, initiative=ref.key, kind=ref.detail)
    return url_for("decisions.index", slug=slug, initiative=ref.key)


def record_url(ref: RecordRef | None, slug: str) -> str | None:
    """The page of the record `ref` names in the organization `slug`, or None (no page)."""
    page = _PAGES.get(ref.kind) if ref is not None else None
    return page(slug, ref) if page is not None and ref is not None else None


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
