"""Monitors on deployments and the observations they judge: what production telemetry says."""
