"""Incidents on deployments, from Alertmanager or a person; the figures (MTTD, MTTA, MTTR,
DORA keys) built from their times; the operations page."""
