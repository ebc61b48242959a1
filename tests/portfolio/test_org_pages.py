"""Issue 15: the organization's own list pages (initiatives, reviews, objectives and KPIs)
agree with the pages they summarise, and show each person only what they may do."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from governance.enums import ValueDriver
from governance.extensions import db
from governance.gates import checkpoints as checkpoint_ops
from governance.maturity import operations as maturity_ops
from governance.people.models import User
from tests.conftest import build_world, module_app
from tests.gates.helpers import meet_all, own_every_phase
from tests.scene import build_scene


@pytest.fixture(scope="module")
def scene(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The permission scene (a checkpoint the contributor requested in Acme Freight), plus a
    checkpoint waiting in the second organization and a second objective."""
    with module_app(database_template, tmp_path_factory, "orgpages") as app:
        world = build_world()
        ids = build_scene(world)
        outsider, other = world["users"]["outsider"], world["other_initiative"]
        own_every_phase(other, outsider)
        meet_all(other.phases[0].criteria, outsider)
        checkpoint_ops.request_phase_checkpoint(other.phases[0], outsider, "Ready.")
        maturity_ops.create_objective(
            world["initiative"], world["users"]["leader"], "Faster claims", ValueDriver.REVENUE
        )
        users = {role: user.id for role, user in world["users"].items()}
        db.session.commit()
        yield app, ids, users


def _get(scene: Any, role: str, path: str) -> str:
    app, _ids, users = scene
    response = app.test_client(user=db.session.get(User, users[role])).get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _pending(html: str) -> int:
    found = re.search(r"(\d+) pending checkpoints?", html)
    assert found, "no count of pending checkpoints"
    return int(found[1])


def test_reviews_of_each_organization_add_up_to_the_review_queue(scene):
    every = _pending(_get(scene, "admin", "/reviews"))
    parts = [
        _pending(_get(scene, "admin", f"/orgs/{slug}/reviews"))
        for slug in ("acme-freight", "globex-health")
    ]
    assert every == 2 and parts == [1, 1]
    assert _pending(_get(scene, "pmo", "/reviews")) == _pending(
        _get(scene, "pmo", "/orgs/acme-freight/reviews")
    )


def test_who_does_not_decide_reads_what_waits_and_is_offered_no_decision(scene):
    _app, ids, _users = scene
    for role in ("contributor", "auditor"):
        html = _get(scene, role, "/orgs/acme-freight/reviews")
        assert "1 pending checkpoint waiting in Acme Freight" in html
        assert f'href="/orgs/acme-freight/checkpoints/{ids["checkpoint"]}"' in html
        assert "#decide" not in html and "Approve" not in html
    # The contributor's own request is listed as theirs, waiting on someone else.
    assert "Your requests waiting for someone else" in _get(
        scene, "contributor", "/orgs/acme-freight/reviews"
    )


def test_a_decider_reaches_the_decision_form(scene):
    _app, ids, _users = scene
    html = _get(scene, "pmo", "/orgs/acme-freight/reviews")
    assert "1 pending checkpoint you may decide in Acme Freight" in html
    # The same actions as on /reviews: Review, and Approve… (or why not yet).
    assert f"/orgs/acme-freight/checkpoints/{ids['checkpoint']}?back=reviews#decide" in html
    assert "Approve…" in html


def test_the_initiatives_page_lists_what_the_overview_counts(scene):
    _app, ids, _users = scene
    overview = _get(scene, "auditor", "/orgs/acme-freight")
    listed = _get(scene, "auditor", "/orgs/acme-freight/initiatives")
    counted = re.search(r"<dt>Initiatives</dt><dd>(\d+)</dd>", overview)
    assert counted and f"Initiatives 1–1 of {counted[1]}" in listed
    assert f'href="/orgs/acme-freight/initiatives/{ids["initiative"]}"' in listed
    assert "Claims triage" not in listed  # the other organization's
    assert "Objectives <span" in listed  # the phase it is in, by name
    assert "New initiative" not in listed
    assert "New initiative" in _get(scene, "leader", "/orgs/acme-freight/initiatives")


def test_objectives_across_initiatives_agree_with_each_initiative_page(scene):
    _app, ids, _users = scene
    overview = _get(scene, "auditor", "/orgs/acme-freight/objectives")
    assert "2 objectives and 1 KPI across the initiatives of Acme Freight" in overview
    own = f"/orgs/acme-freight/initiatives/{ids['initiative']}/objectives"
    page = _get(scene, "auditor", own)
    for title in re.findall(r"<h2>([^<]+)</h2><span class=\"badge\">", page):
        assert f"<strong>{title}</strong>" in overview
    assert f'href="{own}"' in overview
    assert "Loss rate" in overview
    assert "/new" not in overview


def test_an_organization_without_objectives_says_so(scene):
    html = _get(scene, "outsider", "/orgs/globex-health/objectives")
    assert "0 objectives and 0 KPIs" in html and "No objectives yet." in html
