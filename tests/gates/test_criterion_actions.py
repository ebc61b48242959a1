"""Actions on exit criteria land on the criterion and return to where they were taken; what
cannot be done now is a disabled control saying why; roles that may never act see nothing."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import quote, urlsplit

import pytest
from flask import g, render_template_string

from governance.enums import CheckpointStatus, CriterionStatus
from governance.extensions import db
from governance.gates import checkpoints as ops
from governance.gates import criteria as criteria_ops
from governance.gates.assessment import CriterionState, is_evaluated
from governance.gates.rules import Failure, RecordRef, RuleResult
from governance.permissions import Action, offer
from tests.gates.helpers import fingerprint, meet_all, own_every_phase, unchanged

ORG = "/orgs/acme-freight"


def _evidence_based(phase):
    return [c for c in phase.criteria if not is_evaluated(c)]


def _initiative_path(initiative):
    return f"{ORG}/initiatives/{initiative.id}"


def _action(initiative, criterion, kind):
    return f"{_initiative_path(initiative)}/criteria/{criterion.id}/{kind}"


def _hrefs(page: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


def _hidden_next(page: str) -> str:
    return htmllib.unescape(re.search(r'name="next"[^>]*value="([^"]*)"', page).group(1))


def _cancel(page: str) -> str:
    return htmllib.unescape(re.search(r'<a href="([^"]*)">Cancel</a>', page).group(1))


@pytest.fixture
def pending(world):
    """A checkpoint of the first phase, waiting for review, every criterion met."""
    initiative, users = world["initiative"], world["users"]
    own_every_phase(initiative, users["leader"])
    meet_all(initiative.phases[0].criteria, users["contributor"])
    checkpoint = ops.request_phase_checkpoint(initiative.phases[0], users["contributor"], "Ready.")
    db.session.commit()
    return checkpoint


# ---- "Waiting on you" → the criterion, and back ---------------------------------------------


def _owned_by(world, as_user, role):
    """The first evidence-based criterion, owned by the person in `role`, and their client."""
    initiative, person = world["initiative"], world["users"][role]
    criterion = _evidence_based(initiative.phases[0])[0]
    criterion.owner_id = person.id
    db.session.commit()
    return initiative, criterion, as_user(person)


def test_the_contributor_marks_met_from_waiting_on_you_and_lands_back_on_it(world, as_user):
    initiative, criterion, client = _owned_by(world, as_user, "contributor")
    portfolio = client.get("/").get_data(as_text=True)
    hrefs = _hrefs(portfolio)
    # The item links to the criterion itself on its initiative's page, not to the page's top.
    assert f"{_initiative_path(initiative)}#criterion-{criterion.id}" in hrefs
    assert f'id="waiting-criterion-{criterion.id}"' in portfolio
    mark_met = next(h for h in hrefs if h.startswith(_action(initiative, criterion, "evidence")))
    assert "next=" + quote(f"/#waiting-criterion-{criterion.id}", safe="/") in mark_met
    assert any(h.startswith(_action(initiative, criterion, "plan")) for h in hrefs)  # Set owner
    form = client.get(mark_met).get_data(as_text=True)
    assert _hidden_next(form) == f"/#waiting-criterion-{criterion.id}"
    assert _cancel(form) == f"/#waiting-criterion-{criterion.id}"
    done = client.post(
        _action(initiative, criterion, "evidence"),
        data={"evidence_text": "Signed off.", "next": _hidden_next(form)},
    )
    location = urlsplit(done.headers["Location"])
    assert done.status_code == 302
    assert (location.path, location.fragment) == ("/", f"waiting-criterion-{criterion.id}")
    db.session.expire_all()
    assert criterion.status == CriterionStatus.MET


def test_from_the_initiative_page_mark_met_returns_to_the_criterion(world, as_user):
    initiative, contributor = world["initiative"], world["users"]["contributor"]
    criterion = _evidence_based(initiative.phases[0])[0]
    client = as_user(contributor)
    page = client.get(_initiative_path(initiative)).get_data(as_text=True)
    mark_met = next(
        h for h in _hrefs(page) if h.startswith(_action(initiative, criterion, "evidence"))
    )
    form = client.get(mark_met).get_data(as_text=True)
    back = f"{_initiative_path(initiative)}#criterion-{criterion.id}"
    assert _hidden_next(form) == back and _cancel(form) == back
    done = client.post(
        _action(initiative, criterion, "evidence"), data={"evidence_text": "x", "next": back}
    )
    location = urlsplit(done.headers["Location"])
    assert (location.path, location.fragment) == (
        _initiative_path(initiative),
        f"criterion-{criterion.id}",
    )


def test_a_refused_form_keeps_where_it_returns(world, as_user):
    initiative, contributor = world["initiative"], world["users"]["contributor"]
    criterion = _evidence_based(initiative.phases[0])[0]
    back = f"/#waiting-criterion-{criterion.id}"
    before = fingerprint()
    shown = as_user(contributor).post(
        _action(initiative, criterion, "evidence"), data={"evidence_text": "", "next": back}
    )
    page = shown.get_data(as_text=True)
    assert shown.status_code == 400 and unchanged(before)
    assert _hidden_next(page) == back and _cancel(page) == back


@pytest.mark.parametrize(
    "bad",
    ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "/\\evil.example", ""],
)
def test_a_bad_next_falls_back_to_the_criterion_on_its_initiative(world, as_user, bad):
    initiative, users = world["initiative"], world["users"]
    criterion = _evidence_based(initiative.phases[0])[0]
    default = f"{_initiative_path(initiative)}#criterion-{criterion.id}"
    client = as_user(users["pmo"])
    form = client.get(_action(initiative, criterion, "plan"), query_string={"next": bad})
    page = form.get_data(as_text=True)
    assert _hidden_next(page) == default and _cancel(page) == default
    done = client.post(
        _action(initiative, criterion, "waive"),
        data={"reason": "Board decision.", "risk": "Late value.", "next": bad},
    )
    assert done.status_code == 302 and done.headers["Location"] == default


def test_a_next_no_column_could_hold_is_refused_like_any_input(world, as_user):
    initiative = world["initiative"]
    criterion = _evidence_based(initiative.phases[0])[0]
    before = fingerprint()
    shown = as_user(world["users"]["pmo"]).post(
        _action(initiative, criterion, "plan"), data={"next": "/x\x00y"}
    )
    assert shown.status_code == 400 and unchanged(before)
    default = f"{_initiative_path(initiative)}#criterion-{criterion.id}"
    assert _cancel(shown.get_data(as_text=True)) == default


# ---- the checkpoint page: criteria actions, returning to it ---------------------------------


def _reopened(world, pending):
    """A criterion met for the request and reopened since: the approval is refused now."""
    criterion = _evidence_based(world["initiative"].phases[0])[0]
    criteria_ops.reopen(criterion, world["users"]["contributor"])
    db.session.commit()
    return criterion


def test_the_checkpoint_page_offers_criterion_actions_returning_to_it(world, as_user, pending):
    initiative, users = world["initiative"], world["users"]
    criterion = _reopened(world, pending)
    page_path = f"{ORG}/checkpoints/{pending.id}"
    back = f"{page_path}#criterion-{criterion.id}"
    pmo = as_user(users["pmo"])
    page = pmo.get(page_path).get_data(as_text=True)
    hrefs = _hrefs(page)
    for kind in ("evidence", "plan", "waive"):
        link = next(h for h in hrefs if h.startswith(_action(initiative, criterion, kind)))
        assert "next=" + quote(back, safe="/") in link
    done = pmo.post(
        _action(initiative, criterion, "evidence"), data={"evidence_text": "Again.", "next": back}
    )
    location = urlsplit(done.headers["Location"])
    assert (location.path, location.fragment) == (page_path, f"criterion-{criterion.id}")
    db.session.expire_all()
    assert criterion.status == CriterionStatus.MET
    # The contributor may mark met but never waive; the auditor may do neither.
    contributor = _hrefs(as_user(users["contributor"]).get(page_path).get_data(as_text=True))
    assert any(h.startswith(_action(initiative, criterion, "plan")) for h in contributor)
    assert not any("/waive" in h for h in contributor)
    auditor = _hrefs(as_user(users["auditor"]).get(page_path).get_data(as_text=True))
    assert not any("/criteria/" in h for h in auditor)


def test_the_auditor_is_offered_no_criterion_action_anywhere(world, as_user):
    initiative, criterion, client = _owned_by(world, as_user, "auditor")
    for path in ("/", _initiative_path(initiative)):
        hrefs = _hrefs(client.get(path).get_data(as_text=True))
        assert not any("/criteria/" in h for h in hrefs), path
    assert client.get(_action(initiative, criterion, "evidence")).status_code == 403
    page = client.get(_initiative_path(initiative)).get_data(as_text=True)
    assert "Request checkpoint" not in page


# ---- offer only what will be allowed ---------------------------------------------------------


def test_request_checkpoint_says_how_many_criteria_are_open(world):
    initiative, users = world["initiative"], world["users"]
    phase = initiative.phases[0]
    assert offer(users["contributor"], Action.REQUEST_CHECKPOINT, phase).reason == (
        f"{len(phase.criteria)} criteria open"
    )
    assert not offer(users["auditor"], Action.REQUEST_CHECKPOINT, phase).shown
    own_every_phase(initiative, users["leader"])
    meet_all(phase.criteria, users["contributor"])
    assert offer(users["contributor"], Action.REQUEST_CHECKPOINT, phase).allowed


def test_approve_is_disabled_with_the_reopened_criterion_named(world, as_user, pending):
    criterion = _reopened(world, pending)
    reason = f"1 criterion open: {criterion.title}"
    assert offer(world["users"]["pmo"], Action.APPROVE_CHECKPOINT, pending).reason == reason
    client = as_user(world["users"]["pmo"])
    queue = client.get("/reviews").get_data(as_text=True)
    assert re.search(r"<button[^>]*disabled[^>]*>Approve…</button>", queue)
    assert htmllib.escape(reason, quote=False) in queue
    assert 'class="button primary" href' not in queue  # no Approve… link
    assert f"/checkpoints/{pending.id}?back=reviews#decide" in queue  # Review stays
    page = client.get(
        f"{ORG}/checkpoints/{pending.id}", query_string={"outcome": "approved", "back": "reviews"}
    ).get_data(as_text=True)
    assert re.search(r'<input[^>]*disabled[^>]*value="approved"', page)
    assert not re.search(r'<input[^>]*checked[^>]*value="approved"', page)
    # What the button says is what the operation answers.
    refused = client.post(
        f"{ORG}/checkpoints/{pending.id}/decide", data={"outcome": "approved", "back": "reviews"}
    )
    assert refused.status_code == 400 and criterion.title in refused.get_data(as_text=True)


def test_a_decision_from_the_queue_returns_to_the_queue(world, as_user, pending):
    client = as_user(world["users"]["pmo"])
    done = client.post(
        f"{ORG}/checkpoints/{pending.id}/decide",
        data={"outcome": "changes_requested", "comment": "More detail.", "back": "reviews"},
    )
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/reviews"
    db.session.expire_all()
    assert pending.status == CheckpointStatus.CHANGES_REQUESTED


def test_the_initiative_page_puts_open_criteria_first_and_folds_the_rest(world, as_user):
    initiative, users = world["initiative"], world["users"]
    criterion = _evidence_based(initiative.phases[0])[0]
    criteria_ops.mark_met(criterion, users["contributor"], evidence_text="Done.")
    db.session.commit()
    page = as_user(users["contributor"]).get(_initiative_path(initiative)).get_data(as_text=True)
    current = page[page.index('id="current-h"') : page.index("Phase owners")]
    folded = current.index('<details class="criteria-done">')
    assert "1 met or waived" in current
    assert current.index(f'id="criterion-{criterion.id}"') > folded
    others = [c for c in initiative.phases[0].criteria if c.id != criterion.id]
    assert all(current.index(f'id="criterion-{c.id}"') < folded for c in others)


# ---- rule failures: "record the missing decision" only for who may ---------------------------


@pytest.mark.parametrize(("role", "linked"), [("contributor", True), ("auditor", False)])
def test_a_missing_decision_is_a_link_only_for_who_may_record_it(app, world, role, linked):
    org, initiative = world["org"], world["initiative"]
    criterion = initiative.phases[0].criteria[0]
    missing = RecordRef("missing_decision", initiative.id, "roadmap_refinement")
    result = RuleResult("r", "A rule", False, [Failure("Roadmap", "no decision", missing)])
    state = CriterionState(criterion, CriterionStatus.OPEN, result, evaluated=True)
    with app.test_request_context():
        g._login_user = world["users"][role]  # flask-login's current_user for this render
        page = render_template_string(
            '{% from "gates/_criteria.html" import criteria_list with context %}'
            "{{ criteria_list(states, org, initiative) }}",
            states=[state],
            org=org,
            initiative=initiative,
        )
    assert "no decision" in page
    assert ("/decisions/new?" in page) == linked
    assert ("<li>Roadmap — no decision</li>" in page) != linked
