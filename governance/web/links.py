"""Where the records a rule names live on the web: rules return which record fails
(`RecordRef`), pages turn it into a link here, so the domain never builds a URL."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

from governance.gates.rules import RecordRef

_PAGES: dict[str, Callable[[str, RecordRef], str]] = {
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


def record_url(ref: RecordRef | None, slug: str) -> str | None:
    """The page of the record `ref` names in the organization `slug`, or None (no page)."""
    page = _PAGES.get(ref.kind) if ref is not None else None
    return page(slug, ref) if page is not None and ref is not None else None
