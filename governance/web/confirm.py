"""The one pattern for an action that destroys or removes: its link opens a small page that
says exactly what goes and what follows, with a Confirm button posting (with its CSRF token) to
the action's own endpoint, and Cancel returning where the person came from. No script needed,
so the strict Content-Security-Policy stays as it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue

from governance.web.links import back_to


def confirmation(
    *,
    title: str,
    what: str,
    consequences: Sequence[str],
    action: str,
    button: str,
    cancel: str,
    fields: Mapping[str, str] | None = None,
    refusal: str | None = None,
    org: Any = None,
) -> ResponseReturnValue:
    """The confirmation page. `action` is the POST endpoint's URL, `fields` its hidden form
    fields, `cancel` where Cancel goes unless the link carried a safe `next`. A `refusal`
    (the action cannot be taken) shows the reason instead of the Confirm button; `org` puts
    the page in its organization (the bar and the breadcrumbs)."""
    return render_template(
        "confirm.html",
        title=title,
        what=what,
        consequences=list(consequences),
        action=action,
        button=button,
        fields=dict(fields or {}),
        cancel=back_to(cancel),
        refusal=refusal,
        org=org,
    )
