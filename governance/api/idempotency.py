"""`Idempotency-Key` on every API POST: a client that retries after a lost answer gets the
first answer again instead of recording the same thing twice.

A key belongs to the token's user; it is claimed (a row, committed) before the request runs,
so of two concurrent requests with one key only one runs: the unique constraint turns the
other away with 409 "in progress". Once answered, the status and body are stored with the key,
and a replay (same key, same method, path, body and token scope) gets them back with
`Idempotent-Replayed: true`; the same key on a different request answers 422. A request that
fails with an exception or a 5xx stores nothing and frees its key: nothing was recorded, so
it may run again. Keys are forgotten after LIFETIME.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, make_response, request
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from governance.database import utcnow
from governance.extensions import db
from governance.people.models import ApiToken, IdempotencyKey
from governance.web.errors import json_error

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
LIFETIME = timedelta(hours=24)
MAX_LENGTH = 255


def _request_hash(token: ApiToken) -> str:
    digest = hashlib.sha256()
    scope = f"{token.organization_id or ''}\n{request.method}\n{request.full_path}\n"
    digest.update(scope.encode())
    digest.update(request.get_data())
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> Response:
    response = Response(row.body, status=row.status, content_type=row.content_type)
    response.headers[REPLAYED] = "true"
    return response


def _claim(token: ApiToken, key: str, request_hash: str) -> IdempotencyKey | Response:
    """Our claimed row, or the answer for a key someone already holds."""
    user_id, scope = token.user_id, token.organization_id
    # Forget this user's expired keys first (the user's keys only: a bounded, indexed delete).
    db.session.execute(
        sa.delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.created_at < utcnow() - LIFETIME
        )
    )
    row = IdempotencyKey(
        user_id=user_id, scope_organization_id=scope, key=key, request_hash=request_hash
    )
    db.session.add(row)
    try:
        db.session.commit()
        return row
    except IntegrityError:
        db.session.rollback()
    held = db.session.scalar(
        sa.select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
        )
    )
    if held is None:  # freed in between by a failed first request: the client may retry
        return _in_progress()
    if held.request_hash != request_hash:
        return json_error(
            422,
            f"This {HEADER} was already used for a different request. "
            "Use a new key for each new request.",
            code="idempotency_key_reused",
        )
    if held.status is None:
        return _in_progress()
    return _replay(held)


def _in_progress() -> Response:
    response = json_error(
        409,
        f"A request with this {HEADER} is still in progress. Retry shortly to get its answer.",
        code="idempotency_in_progress",
    )
    response.headers["Retry-After"] = "1"
    return response


def _free(row_id: int) -> None:
    try:
        db.session.rollback()
        db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.id == row_id))
        db.session.commit()
    except SQLAlchemyError:  # the database is gone: the key expires on its own
        db.session.rollback()


def idempotent(token: ApiToken, run: Callable[[], object]) -> object:
    """Run a POST's handler once per `Idempotency-Key` (no key: just run it)."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return run()
    if not 0 < len(key) <= MAX_LENGTH or not key.isprintable() or not key.isascii():
        return json_error(
            400, f"{HEADER} must be 1 to {MAX_LENGTH} printable ASCII characters.", code="bad_key"
        )
    claimed = _claim(token, key, _request_hash(token))
    if isinstance(claimed, Response):
        return claimed
    row_id = claimed.id
    try:
        response = make_response(run())
    except BaseException:
        _free(row_id)
        raise
    if response.status_code >= 500 or response.is_streamed:
        _free(row_id)
        return response
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(IdempotencyKey.id == row_id)
        .values(
            status=response.status_code,
            body=response.get_data(as_text=True),
            content_type=response.content_type,
        )
    )
    db.session.commit()
    return response
