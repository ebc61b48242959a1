"""Monitors on a deployment: add, edit, and each monitor's recent observations."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("monitors", __name__, url_prefix="/orgs/<slug>/monitors")
