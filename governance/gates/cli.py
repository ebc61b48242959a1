"""`flask --app governance refresh-criteria`: evaluate the exit criteria's rules and keep the
results (after a bulk load, or from a daily job), or `--check` them without writing."""

from __future__ import annotations

import sys
from datetime import date

import click

from governance.extensions import db
from governance.gates import state

BATCH = 200  # initiatives evaluated per transaction


@click.command("refresh-criteria")
@click.option("--all", "everything", is_flag=True, help="Every criterion, not only those due.")
@click.option("--check", is_flag=True, help="Report kept results that differ; write nothing.")
def refresh_criteria_command(everything: bool, check: bool) -> None:
    """Keep every exit criterion's rule result true to the data and to today's date."""
    today = date.today()
    if check:
        ids = state.all_initiative_ids()
        found = [
            line
            for start in range(0, len(ids), BATCH)
            for line in state.differences(ids[start : start + BATCH], today)
        ]
        for line in found:
            click.echo(line)
        click.echo(f"{len(found)} exit criteria differ from their rule's result now.")
        sys.exit(1 if found else 0)
    if not everything:
        state.refresh_expired(today)
        db.session.commit()
        click.echo("Rule results that were due are evaluated again.")
        return
    ids = state.all_initiative_ids()
    changed = 0
    for start in range(0, len(ids), BATCH):
        changed += state.evaluate_initiatives(ids[start : start + BATCH], today)
        db.session.commit()
    click.echo(f"{len(ids)} initiatives evaluated; {changed} exit criteria changed.")
