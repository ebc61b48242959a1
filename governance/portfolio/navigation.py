"""The organization's navigation bar: one registry of its places, read by one partial.

Every HTML page under /orgs/<slug>/ shows the bar (templates/_org_nav.html, included by
base.html when the page has an `org`; web/templating.py's `org_nav` turns these places into
links for the signed-in person). A later area adds its place with one line here:

    place("Flags", "flags.index", "flags.*")

`within` names the endpoints that count as "in" the place, so the bar marks it current on them
too: an exact endpoint ("checkpoints.show") or a whole blueprint ("risks.*"); an exact name
wins over a blueprint, so a page belongs to one place only.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.permissions import Action


@dataclass(frozen=True)
class Place:
    label: str
    endpoint: str  # the place's own page; it takes the organization's slug alone
    within: frozenset[str]  # endpoints, or "blueprint.*", that count as in this place
    action: Action = Action.READ  # shown only to those who may do this in the organization


PLACES: list[Place] = []


def place(label: str, endpoint: str, *within: str, action: Action = Action.READ) -> Place:
    """Add a place at the end of the bar (its own endpoint always counts as in it)."""
    added = Place(label, endpoint, frozenset({endpoint, *within}), action)
    PLACES.append(added)
    return added


place(
    "Overview",
    "organizations.show",
    "organizations.edit",
    "organizations.members",
    "organizations.confirm_remove_member",
    "organizations.create_program",
    "organizations.edit_program",
)
place(
    "Initiatives",
    "organizations.initiatives",
    "initiatives.*",
    "checkpoints.request_phase",
    "checkpoints.request_gate",
    "checkpoints.waive",
    "maturity.assessments",
    "maturity.new_assessment",
)
place("Reviews", "checkpoints.organization_queue", "checkpoints.show")
place("Decisions", "decisions.index", "decisions.*")
place("Lineage", "lineage.index", "lineage.*")
place("Operations", "operations.index", "operations.*", "monitors.*")
place("Incidents", "incidents.index", "incidents.*")
place("Risks", "risks.index", "risks.*")
place("Objectives and KPIs", "objectives.index", "maturity.*")
place("Dashboard", "dashboards.organization")


def current_place(endpoint: str | None, places: list[Place] | None = None) -> Place | None:
    """The place a page belongs to: the one naming its endpoint, else its blueprint."""
    places = PLACES if places is None else places
    if not endpoint:
        return None
    for candidate in places:
        if endpoint in candidate.within:
            return candidate
    blueprint = endpoint.rsplit(".", 1)[0] + ".*"
    return next((p for p in places if blueprint in p.within), None)
