"""The decision page and form read as records, not data: snapshots as tables, people by
name, badges in the outcome's words; the form marks what is required, summarises errors at
the top, saves with its defaults, and says so in one banner."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from governance.decisions.models import Decision
from governance.decisions.operations import record_decision
from governance.decisions.reading import badge
from governance.enums import CheckpointStatus, DecisionImpact, DecisionStatus
from governance.extensions import db
from governance.gates import checkpoints as checkpoint_ops
from tests.gates.helpers import meet_all, own_every_phase

LOG = "/orgs/acme-freight/decisions"


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _banners(page: str) -> list[str]:
    return re.findall(
        r'<div class="flash flash-\w+" role="(?:status|alert)">(.*?)</div>', page, re.S
    )


@pytest.fixture
def rejected(world):
    """A checkpoint the contributor requested and the leader rejected: its log entry."""
    initiative, users = world["initiative"], world["users"]
    own_every_phase(initiative, users["leader"])
    meet_all(initiative.phases[0].criteria, users["contributor"])
    checkpoint = checkpoint_ops.request_phase_checkpoint(
        initiative.phases[0], users["contributor"], "All objectives are agreed."
    )
    checkpoint_ops.decide(checkpoint, users["leader"], CheckpointStatus.REJECTED, "Not yet.")
    db.session.commit()
    return db.session.get(Decision, checkpoint.decision_id)


def test_a_rejected_checkpoint_reads_as_rejected_with_its_criteria_as_a_table(
    world, as_user, rejected
):
    assert rejected.status == DecisionStatus.ACCEPTED  # the log accepts the outcome as a fact
    page = _page(as_user(world["users"]["auditor"]), f"{LOG}/{rejected.seq}")
    titlebar = page[page.index('<div class="titlebar">') : page.index("</h1>") + 400]
    assert '<span class="badge d-rejected">Checkpoint rejected</span>' in titlebar
    assert "d-accepted" not in titlebar and ">Accepted<" not in titlebar
    # People by name, not "Requested by id 4".
    assert "<dt>Requested by</dt><dd>contributor person</dd>" in page
    assert "Requested by id" not in page and "requested_by_id" not in page.lower()
    # The frozen criteria as a table: each criterion with its status and evidence, no JSON.
    criteria = world["initiative"].phases[0].criteria
    table = page[page.index('class="list frozen-criteria"') :]
    table = table[: table.index("</table>")]
    for criterion in criteria:
        assert f'<th scope="row">{criterion.title}' in table
    frozen = rejected.details["criteria"]
    assert table.count('<tr><th scope="row">') == len(frozen) == len(criteria)
    for row in frozen:
        shown = row["status"].capitalize()
        assert f'<span class="badge s-{row["status"]}">{shown}</span>' in table
    assert "contributor person" in table  # who met them
    assert '"evidence_text"' not in page and "[{" not in page and "&#34;" not in page
    # The hash is whole and in a wrapping element.
    sha = rejected.details["criteria_sha256"]
    assert f'<code class="hash-value">{sha}</code>' in page
    assert f"Checkpoint #{rejected.checkpoint_id}</a>" in page


def test_badges_say_what_happened():
    assert badge("checkpoint_rejected", DecisionStatus.ACCEPTED).words == "Checkpoint rejected"
    assert badge("checkpoint_rejected", DecisionStatus.ACCEPTED).tone == "d-rejected"
    assert badge("checkpoint_approved", DecisionStatus.ACCEPTED).tone == "d-accepted"
    assert badge("checkpoint_changes_requested", DecisionStatus.ACCEPTED).tone == "d-proposed"
    assert badge("waiver", DecisionStatus.ACCEPTED).words == "Criterion waived"
    # A person's decision, or an outcome later deprecated, shows its status.
    assert badge("vendor", DecisionStatus.ACCEPTED).words == "Accepted"
    assert badge("checkpoint_rejected", DecisionStatus.DEPRECATED).words == "Deprecated"


def test_the_log_list_wears_the_same_badge(world, as_user, rejected):
    page = _page(as_user(world["users"]["auditor"]), LOG)
    assert '<span class="badge d-rejected">Checkpoint rejected</span>' in page


@pytest.fixture
def own_high(world):
    """A high-impact decision the leader proposed."""
    entry = record_decision(
        world["org"],
        world["users"]["leader"],
        title="Promote fraud scoring",
        context="Pilot met its targets.",
        decision="Promote to production",
        impact=DecisionImpact.HIGH,
        initiative=world["initiative"],
    )
    db.session.commit()
    return entry


def _status_options(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option[^>]*value="(\w+)"', select.group(1)) if select else []


def test_the_author_is_not_offered_accepted_on_their_own_high_impact_proposal(
    world, as_user, own_high
):
    page = _page(as_user(world["users"]["leader"]), f"{LOG}/{own_high.seq}")
    assert "accepted" not in _status_options(page)
    assert _status_options(page) == ["rejected"]
    # Approving is shown disabled, with the second-person reason.
    assert re.search(r"<button[^>]*disabled[^>]*>Approve this decision</button>", page)
    assert "You cannot approve your own decision" in page
    assert f'action="{LOG}/{own_high.seq}/approve"' not in page
    # Another deciding person is offered the approval, still not "Accepted" as a status.
    other = _page(as_user(world["users"]["pmo"]), f"{LOG}/{own_high.seq}")
    assert f'action="{LOG}/{own_high.seq}/approve"' in other
    assert "accepted" not in _status_options(other)


def test_a_contributor_is_offered_no_status_change_on_a_high_impact_decision(
    world, as_user, own_high
):
    page = _page(as_user(world["users"]["contributor"]), f"{LOG}/{own_high.seq}")
    assert "Change the status" not in page and "Approve this decision" not in page
    assert "Record a decision" in page


def test_the_auditor_is_offered_neither_recording_nor_changing(world, as_user, own_high):
    page = _page(as_user(world["users"]["auditor"]), f"{LOG}/{own_high.seq}")
    assert "Record a decision" not in page and "Change the status" not in page
    assert "Approve this decision" not in page and "/new" not in page


def test_a_normal_decision_offers_the_statuses_the_rules_allow(world, as_user, db):
    entry = record_decision(
        world["org"],
        world["users"]["contributor"],
        title="Use the shared feature store",
        context="Two teams need the same features.",
        decision="Share it",
        status=DecisionStatus.PROPOSED,
    )
    db.session.commit()
    page = _page(as_user(world["users"]["contributor"]), f"{LOG}/{entry.seq}")
    assert _status_options(page) == ["accepted", "rejected"]


# ---- the form ----------------------------------------------------------------------------


class _Defaults(HTMLParser):
    """What the browser would send for a form as it is shown: every control's value."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._first: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            self._first.setdefault(self._select, a.get("value") or "")
            if "selected" in a:
                self.values[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.values.setdefault(self._select, self._first.get(self._select, ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def test_the_form_marks_its_required_fields(world, as_user):
    page = _page(as_user(world["users"]["contributor"]), f"{LOG}/new")
    for name in ("title", "context", "decision"):
        assert re.search(rf'<label for="{name}">[^<]*<abbr class="required-mark"', page), name
        assert re.search(rf'<(input|textarea)[^>]*aria-required="true"[^>]*id="{name}"', page) or (
            re.search(rf'<(input|textarea)[^>]*id="{name}"[^>]*aria-required="true"', page)
        ), name
    for name in ("rationale", "consequences", "decision_drivers"):
        assert not re.search(rf'<label for="{name}">[^<]*<abbr', page), name
        assert not re.search(rf'<textarea[^>]*aria-required[^>]*id="{name}"', page), name


def test_the_form_lists_its_errors_at_the_top_linking_each_field(world, as_user, db):
    client = as_user(world["users"]["contributor"])
    response = client.post(f"{LOG}/new", data={"title": "", "context": "", "decision": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert page.index('class="error-summary"') < page.index('id="title"')
    assert '<a href="#title">Title: ' in summary
    assert '<a href="#context">Context and problem statement: ' in summary
    assert "#decision" not in summary  # given, so not listed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


def test_the_defaults_agree_with_the_rules_and_save_with_one_banner(world, as_user, db):
    client = as_user(world["users"]["contributor"])
    parser = _Defaults()
    parser.feed(_page(client, f"{LOG}/new"))
    data = dict(parser.values)
    assert data["status"] == "accepted" and data["impact"] == "normal"
    data.update(title="Keep the vendor", context="Renewal is due.", decision="Renew for a year")
    response = client.post(f"{LOG}/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    entry = db.session.scalar(sa.select(Decision))
    # Recorded as the form said: its defaults are a pair the rules keep as they are.
    assert (entry.status, entry.impact) == (DecisionStatus.ACCEPTED, DecisionImpact.NORMAL)
    banners = _banners(_page(client, response.headers["Location"]))
    assert banners == [f"Decision #{entry.seq} “Keep the vendor” is recorded in the log."]


def test_a_high_impact_decision_saves_with_one_banner(world, as_user, db):
    client = as_user(world["users"]["contributor"])
    parser = _Defaults()
    parser.feed(_page(client, f"{LOG}/new"))
    data = dict(parser.values)
    data.update(title="Go live", context="Pilot done.", decision="Promote", impact="high")
    response = client.post(f"{LOG}/new", data=data)
    assert response.status_code == 302
    banners = _banners(_page(client, response.headers["Location"]))
    assert len(banners) == 1 and "second person" in banners[0]


def test_the_decision_page_and_the_log_write_dates_alike(world, as_user, own_high):
    client = as_user(world["users"]["auditor"])
    shown = f"{own_high.created_at:%d %b %Y %H:%M} UTC"
    assert shown in _page(client, f"{LOG}/{own_high.seq}")
    day = f"{own_high.created_at:%d %b %Y}"
    assert day in _page(client, f"/orgs/acme-freight/initiatives/{world['initiative'].id}")
    assert own_high.created_at.date().isoformat() not in _page(client, f"{LOG}/{own_high.seq}")


def test_a_missing_decision_links_to_the_form_only_for_those_who_may_record_one(world, as_user):
    initiative = world["initiative"]
    path = f"/orgs/acme-freight/initiatives/{initiative.id}"
    contributor = _page(as_user(world["users"]["contributor"]), path)
    assert f"{LOG}/new?initiative={initiative.id}" in contributor
    auditor = _page(as_user(world["users"]["auditor"]), path)
    assert f"{LOG}/new" not in auditor
    assert f"{LOG}?initiative={initiative.id}" in auditor


def test_details_sent_through_the_api_in_any_shape_still_read(world, as_user, db):
    entry = record_decision(
        world["org"],
        world["users"]["leader"],
        title="Odd details",
        context="Sent by a script.",
        decision="Keep them",
        details={
            "checkpoint_id": "not a number",
            "approvers": "someone",
            "changes": {"a": 1},
            "requested_at": 12,
            "requested_by_id": 999999,
            "criteria": "none",
            "custom_field": {"nested": [1, 2]},
        },
    )
    db.session.commit()
    page = _page(as_user(world["users"]["auditor"]), f"{LOG}/{entry.seq}")
    assert "<dt>Custom field</dt>" in page and "not a number" in page
    assert "<dt>Requested by</dt><dd>someone no longer known</dd>" in page
    assert "No exit criterion." in page
