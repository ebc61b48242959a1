"""Bearer-token authentication for the API, with the web's permission rules."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import abort, g, request
from flask_smorest import abort as smorest_abort

from governance.api.idempotency import idempotent
from governance.audit import set_request_actor
from governance.extensions import db
from governance.people.models import ApiToken, User
from governance.people.operations import find_token
from governance.permissions import Action, can, is_member, visible_organization_ids
from governance.portfolio.models import Organization

F = TypeVar("F", bound=Callable[..., Any])


def _unauthorized(message: str) -> None:
    smorest_abort(401, message=message, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def token_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, plain = header.partition(" ")
        if scheme.lower() != "bearer" or not plain.strip():
            _unauthorized("Send an API token: Authorization: Bearer TOKEN.")
        token = find_token(plain.strip())
        if token is None:
            _unauthorized("This API token is not valid, or was revoked.")
        assert token is not None
        g.api_token = token
        g.api_user = token.user
        set_request_actor(token.user_id)
        # Every API POST honours Idempotency-Key, here where every API request passes.
        return idempotent(token, lambda: view(*args, **kwargs))

    return cast(F, wrapper)


def api_user() -> User:
    return cast(User, g.api_user)


def api_token() -> ApiToken:
    return cast(ApiToken, g.api_token)


def token_reaches(organization_id: int) -> bool:
    """Token scoping, the one place: a token scoped to an organization reaches only that one
    (and only while its user is a member); an unscoped token reaches the user's."""
    token = api_token()
    if token.organization_id is not None and token.organization_id != organization_id:
        return False
    return is_member(api_user(), organization_id)


def token_organization_ids() -> list[int] | None:
    """The organizations this token may see: its one scoped organization, or the user's."""
    token = api_token()
    if token.organization_id is not None:
        return [token.organization_id]
    return visible_organization_ids(api_user())


def api_organization(
    slug: str | None, action: Action = Action.READ, *, refusal: str | None = None
) -> Organization:
    """The organization a request addresses, by slug, or the token's own when the request names
    none: 404 beyond the token's reach, 403 (with `refusal`, if given) for a missing right."""
    token, user = api_token(), api_user()
    if slug is None:
        org = db.session.get(Organization, token.organization_id) if token.organization_id else None
    else:
        org = db.session.scalar(db.select(Organization).where(Organization.slug == slug))
    if org is None or not token_reaches(org.id):
        abort(404, description="No such organization.")
    if not can(user, action, org):
        abort(403, description=refusal or "Your role in this organization does not allow this.")
    return org
