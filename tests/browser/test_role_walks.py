"""Each role's main task on the demo, end to end in Chromium, at 1440 and 390 px wide (issue 15,
"Done when"): the PMO approves a checkpoint from /reviews; the leader records a decision and
requests a checkpoint; the contributor marks a criterion met from "Waiting on you" and lands
back on it; the auditor exports the decision log and verifies it.

Every walk starts on the portfolio, where signing in lands, and counts its clicks (`Walk`);
each page it reaches must not scroll sideways and must show no serious axe violation. The
counts and what each page scored go to tests/artifacts/walks/<walk>.json, the screenshots to
tests/artifacts/walk-<walk>-<step>.png. Locators are roles and accessible names, so a walk
follows the page when its layout changes.

Runs on SQLite only (tests/conftest.py): what it judges is the served HTML, script and layout,
the same on either database; the pages and actions are also tested through the test client
on both."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import sqlalchemy as sa

from governance import verify
from governance.audit import acting_as
from governance.extensions import db
from governance.gates import criteria
from governance.gates.models import ExitCriterion, Phase
from governance.people.models import User
from governance.portfolio.models import Initiative
from tests.browser.harness import ARTIFACTS, Walk
from tests.conftest import LiveDemo

ORG_NAME = "Northwind Logistics"
WIDTHS = ["1440", "390"]


def finish(walk: Walk, most: int) -> None:
    """Write the walk's clicks and page checks, then judge them: no more than `most` clicks,
    and no page it went through scrolled sideways or showed a serious axe violation."""
    out = ARTIFACTS / "walks"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{walk.name}.json").write_text(
        json.dumps({"clicks": walk.clicks, "steps": walk.steps, "pages": walk.pages}, indent=1)
    )
    assert walk.clicks <= most, f"{walk.name}: {walk.clicks} clicks: {walk.steps}"
    assert not walk.problems, f"{walk.name}: " + "\n".join(walk.problems)


def in_view(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] < size["height"] and box["y"] + box["height"] > 0


# ---- PMO: approve a checkpoint from the review queue ---------------------------------------

PMO_CHECKPOINT = "Route ETA prediction"  # its Evaluation phase waits, every criterion met


@pytest.mark.parametrize("width", WIDTHS)
def test_pmo_approves_a_checkpoint_from_reviews(walk, width):
    w = walk("pmo", width, "pmo-approves")
    page = w.page
    w.click(page.get_by_role("link", name="Reviews", exact=True).first)
    w.shot("reviews")
    # The queue's Approve and Review buttons are on screen (sideways: the page never scrolls).
    buttons = page.locator("table.queue a.button")
    assert buttons.count() >= 2  # the PMO has checkpoints to decide in the demo
    for button in buttons.all():
        box = button.bounding_box()
        assert box is not None
        if box["x"] < 0 or box["x"] + box["width"] > page.viewport_size["width"]:
            w.problems.append(f"/reviews: {button.inner_text()} is off screen")
    row = page.get_by_role("row").filter(has_text=PMO_CHECKPOINT)
    w.click(row.get_by_role("link", name=re.compile(r"^Approve")))
    decide = page.locator("#decide")
    if not in_view(page, decide):
        w.problems.append("Approve… does not land on the decision form")
    approve = page.get_by_role("radio", name="Approve")
    if not approve.is_checked():
        w.click(approve)
    page.get_by_label("Comment").fill("Evaluation evidence reviewed: approved.")
    w.shot("decide")
    w.click(page.get_by_role("button", name=re.compile(r"Record decision|Approve")))
    w.shot("done")
    assert page.url.endswith("/reviews"), page.url
    assert page.get_by_role("row").filter(has_text=PMO_CHECKPOINT).count() == 0
    finish(w, 3)


# ---- leader: record a decision, then request the checkpoint it completes -------------------

LEADER_INITIATIVE = "Parcel fraud scoring"
# The Governance phase's last open criterion; the walk starts once it has been met.
LAST_OPEN = "Human-in-the-loop controls for high-risk decisions"


def meet_last_open_criterion(site: LiveDemo) -> None:
    with site.app.app_context():
        initiative = db.session.scalar(sa.select(Initiative).filter_by(name=LEADER_INITIATIVE))
        criterion = db.session.scalar(
            sa.select(ExitCriterion)
            .join(ExitCriterion.phase)
            .where(ExitCriterion.title == LAST_OPEN, Phase.initiative_id == initiative.id)
        )
        contributor = db.session.scalar(sa.select(User).filter_by(email="contributor@example.com"))
        with acting_as(contributor.id):
            criteria.mark_met(criterion, contributor, evidence_text="Analysts confirm each flag.")
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("width", WIDTHS)
def test_leader_records_a_decision_and_requests_a_checkpoint(walk, fresh_demo, width):
    meet_last_open_criterion(fresh_demo)
    w = walk("leader", width, "leader-decides")
    page = w.page
    w.click(page.get_by_role("link", name=ORG_NAME, exact=True).first)
    w.click(page.get_by_role("link", name=LEADER_INITIATIVE, exact=True).first)
    w.click(page.get_by_role("link", name="Record a decision").first)
    page.get_by_label(re.compile(r"^Title")).fill("Keep analysts in the loop for every held parcel")
    page.get_by_label(re.compile(r"^Context")).fill("Flags hold parcels; a wrong hold costs a day.")
    page.get_by_label(re.compile(r"^Decision \(")).fill("An analyst confirms every flag first.")
    w.shot("decision-form")
    w.click(page.get_by_role("button", name=re.compile(r"^Record")))
    # Back on the initiative (the form's `next`), its decisions listing the new one.
    assert page.url.endswith("#decisions-h"), page.url
    decisions = page.get_by_role("region", name="Decisions")
    assert decisions.get_by_text("Keep analysts in the loop").count(), "the decision is not listed"
    w.shot("decision")
    w.click(page.get_by_role("link", name="Request checkpoint").first)
    page.get_by_label(re.compile("Note for the reviewer")).fill("Governance criteria all met.")
    w.click(page.get_by_role("button", name="Request checkpoint"))
    w.shot("requested")
    assert "/initiatives/" in page.url or "/checkpoints/" in page.url, page.url
    assert page.get_by_text(re.compile(r"requested|waiting", re.I)).count()
    finish(w, 6)


# ---- contributor: mark a criterion met from "Waiting on you", land back on it --------------

CONTRIBUTOR_CRITERION = LAST_OPEN


@pytest.mark.parametrize("width", WIDTHS)
def test_contributor_marks_a_criterion_met_from_waiting_on_you(walk, width):
    w = walk("contributor", width, "contributor-meets")
    page = w.page
    waiting = page.get_by_role("region", name="Waiting on you")
    w.click(waiting.get_by_role("link", name=CONTRIBUTOR_CRITERION).first)
    w.shot("initiative")
    anchor = re.search(r"#(criterion-\d+)$", page.url)
    assert anchor, f"the link does not name the criterion: {page.url}"
    criterion = page.locator(f"#{anchor.group(1)}")
    assert CONTRIBUTOR_CRITERION in criterion.inner_text()
    if not in_view(page, criterion):
        w.problems.append("the Waiting-on-you link does not land on the criterion")
    w.click(criterion.get_by_role("link", name=re.compile(r"^Mark met")))
    page.locator("textarea[name=evidence_text]").fill("Analysts confirm every flag (SOP-17).")
    w.click(page.get_by_role("button", name="Mark met"))
    w.shot("done")
    assert page.url.endswith(f"#{anchor.group(1)}"), page.url
    criterion = page.locator(f"#{anchor.group(1)}")
    assert criterion.get_by_text("Analysts confirm every flag (SOP-17).").count()
    if not in_view(page, criterion):
        w.problems.append("after Mark met the criterion is not in view")
    finish(w, 3)


# ---- auditor: export the decision log and verify it ----------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_auditor_exports_and_verifies_the_decision_log(walk, width, tmp_path):
    w = walk("auditor", width, "auditor-verifies")
    page = w.page
    w.click(page.get_by_role("link", name=ORG_NAME, exact=True).first)
    w.click(page.get_by_role("link", name=re.compile(r"^Decision(s| log)$")).first)
    w.shot("log")
    with page.expect_download() as download:
        w.click(page.get_by_role("link", name=re.compile(r"^JSONL")), navigates=False)
    export = tmp_path / "log.jsonl"
    download.value.save_as(export)
    w.click(page.get_by_role("link", name=re.compile(r"^Verify")))
    w.shot("verified")
    assert page.get_by_role("status").filter(has_text="Intact").count()
    anchor = page.get_by_label(re.compile("Anchor")).input_value()
    # What the auditor then runs offline on the export, against the anchor the page shows.
    result = verify.verify_file(export, verify.parse_anchor(anchor))
    assert result.ok, result
    finish(w, 4)
