"""`?as_of=` on the pages that can show the past: the request reads the organization as it
stood then (governance/as_of/snapshot.py) through the page's own view, read-only.

Who may look is decided first, on today's memberships; the view then runs over the rebuilt
moment, and the links it draws to the other past-capable pages keep the moment.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, abort, g, request
from flask_login import current_user

from governance.as_of.snapshot import MomentError, parse_moment, viewing_as_of
from governance.extensions import db
from governance.permissions import Action, can, roles_by_organization
from governance.portfolio.models import Organization

# The pages that can show an organization as it stood at a past moment (PRODUCT.md).
PAGES = frozenset(
    {"organizations.show", "initiatives.show", "dashboards.organization", "decisions.index"}
)
_STACK = "as_of_stack"


def moment_text(moment: datetime) -> str:
    """The moment as `?as_of=` takes it back: a day's end as the day, else the timestamp."""
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (23, 59, 59, 999999):
        return moment.date().isoformat()
    return moment.isoformat().replace("+00:00", "Z")


def viewed_moment() -> datetime | None:
    """The past moment this request shows, if it shows one."""
    return g.get("as_of")


def _enter_the_past() -> None:
    if request.endpoint not in PAGES or "as_of" not in request.args:
        return
    text = request.args.get("as_of", "")
    if text == "":
        return  # the date picker sent back empty: today
    if not current_user.is_authenticated:
        return  # the view sends them to sign in
    organization = db.session.scalar(
        sa.select(Organization).where(Organization.slug == (request.view_args or {}).get("slug"))
    )
    if organization is None or not can(current_user, Action.READ, organization):
        return  # the view answers 404 as it would today
    try:
        moment = parse_moment(text)
    except MomentError as error:
        abort(400, description=str(error))
    roles_by_organization(current_user)  # today's roles, carried into the past
    stack = contextlib.ExitStack()
    stack.enter_context(viewing_as_of(organization.id, moment))
    setattr(g, _STACK, stack)
    g.as_of = moment


def _leave_the_past(_error: BaseException | None = None) -> None:
    stack = g.pop(_STACK, None)
    if stack is not None:
        stack.close()


def _keep_the_moment(endpoint: str, values: dict[str, object]) -> None:
    moment = g.get("as_of")
    if moment is not None and endpoint in PAGES and "as_of" not in values:
        values["as_of"] = moment_text(moment)


def init_app(app: Flask) -> None:
    # After every other before-request hook (criteria_current evaluates today's rules first).
    app.before_request(_enter_the_past)
    app.teardown_request(_leave_the_past)
    app.url_defaults(_keep_the_moment)

    @app.context_processor
    def _the_moment() -> dict[str, object]:
        moment = g.get("as_of")
        return {"as_of": moment, "as_of_text": moment_text(moment) if moment else None}
