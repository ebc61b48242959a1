"""Command-line interface: `flask --app governance COMMAND`, or the `governance` script
(`governance.main`, beside the factory it starts)."""

from __future__ import annotations

import click
from flask import Flask

from governance.audit import acting_as
from governance.decisions.cli import export_log_command, verify_log_command
from governance.errors import DomainError
from governance.extensions import db
from governance.gates.cli import refresh_criteria_command
from governance.people import operations as people
from governance.portfolio.models import Organization
from governance.portfolio.seed import DEMO_PASSWORD, database_is_empty, load_demo


@click.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def seed_command(if_empty: bool) -> None:
    """Load the demo data from seed_data/."""
    if not database_is_empty():
        if if_empty:
            click.echo("The database already has data: demo data not loaded.")
            return
        raise click.ClickException("The database is not empty; seed only an empty database.")
    counts = load_demo()
    db.session.commit()
    click.echo(
        f"Loaded {counts['users']} users, {counts['organizations']} organizations and "
        f"{counts['initiatives']} initiatives. Demo password: {DEMO_PASSWORD}"
    )


@click.command("create-user")
@click.argument("email")
@click.option("--name", default="", help="Full name (defaults to the email).")
@click.option("--admin", is_flag=True, help="Give the user the admin role.")
@click.password_option(help="The password (prompted when not given).")
def create_user_command(email: str, name: str, admin: bool, password: str) -> None:
    """Create a user who can sign in."""
    try:
        user = people.create_user(email, name or email, password, is_admin=admin)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.email}{' (admin)' if admin else ''}.")


@click.command("create-token")
@click.argument("email")
@click.option("--org", "org_slug", default=None, help="Scope the token to one organization.")
@click.option("--name", default="", help="A label to recognise the token by.")
def create_token_command(email: str, org_slug: str | None, name: str) -> None:
    """Print a new API token for EMAIL, once. Only its hash is stored."""
    user = people.find_user(email)
    if user is None:
        raise click.ClickException(f"No user has the email {email}.")
    org = None
    if org_slug:
        org = db.session.scalar(db.select(Organization).where(Organization.slug == org_slug))
        if org is None:
            raise click.ClickException(f"No organization has the slug {org_slug}.")
    try:
        with acting_as(user.id):
            _token, plain = people.create_token(user, org, name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(plain)
    click.echo("Keep it now: it will not be shown again.", err=True)


def init_app(app: Flask) -> None:
    for command in (
        seed_command,
        create_user_command,
        create_token_command,
        export_log_command,
        verify_log_command,
        refresh_criteria_command,
    ):
        app.cli.add_command(command)
