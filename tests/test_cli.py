"""The command line: seed, create-user, create-token."""

from __future__ import annotations

import sqlalchemy as sa

from governance.people.models import ApiToken, User
from governance.portfolio.models import Organization


def test_create_user_then_sign_in(runner, client, db):
    result = runner.invoke(
        args=["create-user", "cto@example.com", "--name", "Casey", "--password", "long-password-1"]
    )
    assert result.exit_code == 0, result.output
    response = client.post(
        "/login", data={"email": "cto@example.com", "password": "long-password-1"}
    )
    assert response.status_code == 302


def test_create_user_refuses_duplicates_and_short_passwords(runner, world, db):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    dup = runner.invoke(
        args=["create-user", world["users"]["pmo"].email, "--password", "long-password-1"]
    )
    assert dup.exit_code != 0 and "already exists" in dup.output
    short = runner.invoke(args=["create-user", "new@example.com", "--password", "short"])
    assert short.exit_code != 0 and "at least 8" in short.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_create_token_prints_it_once_and_it_works(runner, client, world, db):
    result = runner.invoke(
        args=["create-token", world["users"]["auditor"].email, "--org", "acme-freight"]
    )
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[0]
    assert plain.startswith("gov_")
    token = db.session.scalar(sa.select(ApiToken))
    assert token.organization_id == world["org"].id and plain not in token.token_hash
    response = client.get("/api/v1/orgs", headers={"Authorization": f"Bearer {plain}"})
    assert [o["slug"] for o in response.get_json()["items"]] == ["acme-freight"]


def test_create_token_refuses_unknown_users_orgs_and_non_members(runner, world, db):
    assert "No user" in runner.invoke(args=["create-token", "ghost@example.com"]).output
    assert (
        "No organization"
        in runner.invoke(args=["create-token", world["users"]["pmo"].email, "--org", "nope"]).output
    )
    refused = runner.invoke(
        args=["create-token", world["users"]["outsider"].email, "--org", "acme-freight"]
    )
    assert refused.exit_code != 0 and "not a member" in refused.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_seed_loads_the_demo_once(runner, db):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    orgs = db.session.scalar(sa.select(sa.func.count()).select_from(Organization))
    assert orgs >= 3
    again = runner.invoke(args=["seed", "--if-empty"])
    assert again.exit_code == 0 and "already has data" in again.output
    refused = runner.invoke(args=["seed"])
    assert refused.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == orgs


def test_the_console_script_runs_the_flask_cli():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv=['governance','--help']; from governance import main; main()",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "create-token" in result.stdout and "seed" in result.stdout
