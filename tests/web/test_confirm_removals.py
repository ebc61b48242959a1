"""What destroys or removes asks first: the list's link opens a confirmation page (GET, changes
nothing) saying what goes and what follows; its Confirm button posts, with the CSRF token, to
the action's endpoint; Cancel returns to `next` (a path on this site only). Whoever may not
take the action cannot see its confirmation either (the same 403/404 the post answers)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from governance.enums import ArtifactKind, EdgeKind
from governance.lineage import operations as lineage
from governance.lineage.models import LineageEdge
from governance.people.models import Membership, User

ORG = "/orgs/acme-freight"


@pytest.fixture
def edge(world, db) -> LineageEdge:
    contributor = world["users"]["contributor"]

    def make(kind: ArtifactKind, name: str):
        data = lineage.ArtifactInput("acme", name, initiative_id=world["initiative"].id)
        return lineage.register_artifact(world["org"], contributor, kind, data)

    made = lineage.add_edge(
        make(ArtifactKind.DATA_SOURCE, "scans"),
        make(ArtifactKind.DATASET, "parcels"),
        EdgeKind.DERIVED_FROM,
        contributor,
    )
    db.session.commit()
    return made


def _member(db, world, role: str) -> Membership | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.user_id == world["users"][role].id,
            Membership.organization_id == world["org"].id,
        )
    )


def _edge_exists(db, edge_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(LineageEdge, edge_id) is not None


def _active(db, user_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(User, user_id).active


def _confirm_form(html: str, action: str) -> str:
    """The confirmation's form posting to `action` (the test fails when there is none)."""
    found = re.search(
        rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S
    )
    assert found, f"no form posting to {action}"
    return found.group(1)


def test_removing_a_member_asks_first_then_removes(world, as_user, db):
    admin = as_user(world["users"]["admin"])
    auditor = world["users"]["auditor"]
    remove = f"{ORG}/members/{auditor.id}/remove"
    members = admin.get(f"{ORG}/members").get_data(as_text=True)
    # The first click is a link to the confirmation, never a form that removes.
    assert f'href="{remove}?next=' in members
    assert f'action="{remove}"' not in members
    page = admin.get(f"{remove}?next={ORG}/members")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Remove auditor person from Acme Freight?" in html
    assert "can no longer see or act on anything in Acme Freight" in html
    assert "Remove auditor person</button>" in html
    assert f'href="{ORG}/members">Cancel</a>' in html
    assert _member(db, world, "auditor") is not None  # asking changed nothing
    _confirm_form(html, remove)
    done = admin.post(remove)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"{ORG}/members")
    assert _member(db, world, "auditor") is None


def test_removing_an_edge_asks_first_then_removes(world, as_user, db, edge):
    contributor = as_user(world["users"]["contributor"])
    artifact = f"{ORG}/lineage/{edge.target_id}"
    remove = f"{ORG}/lineage/edges/{edge.id}/remove"
    shown = contributor.get(artifact).get_data(as_text=True)
    assert f'href="{remove}?' in shown and f'action="{remove}"' not in shown
    link = re.search(rf'href="({re.escape(remove)}\?[^"]+)"', shown).group(1).replace("&amp;", "&")
    html = contributor.get(link).get_data(as_text=True)
    assert "Remove this lineage edge?" in html and "scans → parcels (Derived from)" in html
    assert f'href="{artifact}#edges-h">Cancel</a>' in html
    form = _confirm_form(html, remove)
    assert f'name="from" value="{edge.target_id}"' in form
    assert _edge_exists(db, edge.id)
    done = contributor.post(remove, data={"from": str(edge.target_id)})
    assert done.headers["Location"].endswith(artifact)
    assert not _edge_exists(db, edge.id)


def test_deactivating_a_user_asks_first_then_deactivates(world, as_user, db):
    admin = as_user(world["users"]["admin"])
    pmo = world["users"]["pmo"]
    url = f"/admin/users/{pmo.id}/active"
    users = admin.get("/admin/users").get_data(as_text=True)
    assert f'href="{url}?next=/admin/users"' in users
    html = admin.get(url).get_data(as_text=True)
    assert "Deactivate pmo person?" in html and "sessions they have open end now" in html
    assert 'name="active" value="0"' in _confirm_form(html, url)
    assert _active(db, pmo.id)
    admin.post(url, data={"active": "0"})
    assert not _active(db, pmo.id)
    # Reactivating takes nothing away: its button posts at once from the list.
    users = admin.get("/admin/users").get_data(as_text=True)
    assert f'action="{url}"' in users and "Reactivate" in users


def test_the_admin_is_offered_no_way_to_deactivate_themselves(world, as_user, db):
    admin_user = world["users"]["admin"]
    admin = as_user(admin_user)
    url = f"/admin/users/{admin_user.id}/active"
    assert f'href="{url}' not in admin.get("/admin/users").get_data(as_text=True)
    html = admin.get(url).get_data(as_text=True)
    assert "You cannot deactivate your own account." in html
    assert '<form method="post" action="' + url not in html
    assert _active(db, admin_user.id)


@pytest.mark.parametrize(
    "role,status", [("leader", 403), ("pmo", 403), ("outsider", 404), ("anonymous", 302)]
)
def test_who_may_not_remove_a_member_cannot_reach_its_confirmation(
    world, as_user, user_in_role, db, role, status
):
    client = as_user(user_in_role(role))
    remove = f"{ORG}/members/{world['users']['auditor'].id}/remove"
    assert client.get(remove).status_code == status
    assert client.post(remove).status_code == status
    assert _member(db, world, "auditor") is not None


@pytest.mark.parametrize("role,status", [("auditor", 403), ("outsider", 404), ("anonymous", 302)])
def test_who_may_not_remove_an_edge_cannot_reach_its_confirmation(
    world, as_user, user_in_role, db, edge, role, status
):
    client = as_user(user_in_role(role))
    remove = f"{ORG}/lineage/edges/{edge.id}/remove"
    assert client.get(remove).status_code == status
    assert client.post(remove).status_code == status
    assert _edge_exists(db, edge.id)


@pytest.mark.parametrize("role,status", [("leader", 403), ("auditor", 403), ("anonymous", 302)])
def test_who_may_not_deactivate_cannot_reach_its_confirmation(
    world, as_user, user_in_role, db, role, status
):
    client = as_user(user_in_role(role))
    url = f"/admin/users/{world['users']['pmo'].id}/active"
    assert client.get(url).status_code == status
    assert client.post(url, data={"active": "0"}).status_code == status
    assert _active(db, world["users"]["pmo"].id)


@pytest.mark.parametrize(
    "path",
    [
        f"{ORG}/members/999999/remove",
        f"{ORG}/lineage/edges/999999/remove",
        "/admin/users/999999/active",
    ],
)
def test_a_confirmation_for_nothing_is_not_found(world, as_user, path):
    assert as_user(world["users"]["admin"]).get(path).status_code == 404


@pytest.mark.parametrize(
    "next_value", ["https://evil.example/", "//evil.example/members", "javascript:alert(1)"]
)
def test_cancel_never_leaves_the_site(world, as_user, next_value):
    remove = f"{ORG}/members/{world['users']['auditor'].id}/remove"
    html = as_user(world["users"]["admin"]).get(remove, query_string={"next": next_value})
    text = html.get_data(as_text=True)
    assert f'href="{ORG}/members">Cancel</a>' in text
    assert "evil.example" not in text and "javascript:" not in text


def test_the_confirmation_needs_no_script(world, as_user):
    html = (
        as_user(world["users"]["admin"])
        .get(f"{ORG}/members/{world['users']['auditor'].id}/remove")
        .get_data(as_text=True)
    )
    assert "<script" not in html and not re.search(r"\son[a-z]+=", html)


def test_the_confirm_form_carries_the_csrf_token_and_needs_it(make_app, world, db):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client(user=world["users"]["admin"])
    auditor_id = world["users"]["auditor"].id
    remove = f"{ORG}/members/{auditor_id}/remove"
    form = _confirm_form(client.get(remove).get_data(as_text=True), remove)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    assert client.post(remove).status_code == 400  # without the token: refused, nothing removed
    with app.app_context():
        assert _member(db, world, "auditor") is not None
    assert client.post(remove, data={"csrf_token": token.group(1)}).status_code == 302
    with app.app_context():
        assert _member(db, world, "auditor") is None
