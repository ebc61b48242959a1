"""Commands of the decision log: export-log and verify-log."""

from __future__ import annotations

from pathlib import Path

import click

from governance.decisions.chain import verify_organization
from governance.decisions.exports import FORMATS, write_export
from governance.extensions import db
from governance.portfolio.models import Organization
from governance.verify import parse_anchor


def _organization(slug: str) -> Organization:
    org = db.session.scalar(db.select(Organization).where(Organization.slug == slug))
    if org is None:
        raise click.ClickException(f"No organization has the slug {slug}.")
    return org


@click.command("export-log")
@click.option("--org", "org_slug", required=True, help="The organization's slug.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="File to write (jsonl, csv); for madr a folder, or a .zip file.",
)
def export_log_command(org_slug: str, fmt: str, out: Path) -> None:
    """Export an organization's decision log. Check a JSONL export with verify.py."""
    org = _organization(org_slug)
    if fmt != "madr" and out.is_dir():
        raise click.ClickException(f"{out} is a folder: give a file name for the {fmt} export.")
    try:
        count = write_export(org, fmt, out)
    except OSError as error:
        raise click.ClickException(f"Cannot write {out}: {error.strerror or error}") from error
    what = "decisions" if fmt == "madr" else "entries"
    click.echo(f"Exported {count} {what} of {org.slug} to {out} ({fmt}).")


@click.command("verify-log")
@click.option("--org", "org_slug", default=None, help="One organization (default: every one).")
@click.option("--anchor", default=None, help="SEQ:HASH the log must still hold (needs --org).")
def verify_log_command(org_slug: str | None, anchor: str | None) -> None:
    """Verify the hash chain of the decision logs as stored in the database.

    Exit status 0 when every chain is intact (and holds the anchor), 1 naming the first broken
    entry otherwise, 2 for a usage error.
    """
    parsed = None
    if anchor is not None:
        if org_slug is None:
            raise click.UsageError("--anchor belongs to one organization's log: add --org SLUG.")
        try:
            parsed = parse_anchor(anchor)
        except ValueError as error:
            raise click.UsageError(str(error)) from error
    if org_slug is not None:
        orgs = [_organization(org_slug)]
    else:
        orgs = list(db.session.scalars(db.select(Organization).order_by(Organization.slug)))
    failed = False
    for org in orgs:
        result = verify_organization(org, parsed)
        if result.ok:
            head = (
                f"head seq {result.head_seq} hash {result.head_hash}"
                if result.head_seq
                else "empty"
            )
            click.echo(f"OK {org.slug}: {result.count} entries, {head}")
        else:
            failed = True
            click.echo(f"FAILED {org.slug}: {result.error}")
    if failed:
        raise SystemExit(1)
