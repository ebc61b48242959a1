"""plotly.js, served from the installed plotly package (never a CDN), for every chart page."""

from __future__ import annotations

from pathlib import Path

import plotly
from flask import Blueprint, send_file
from flask.typing import ResponseReturnValue

bp = Blueprint("assets", __name__)

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@bp.get("/assets/plotly.min.js")
def plotly_js() -> ResponseReturnValue:
    # The file changes only with the package: cache for a day, revalidate by modification time.
    response = send_file(PLOTLY_JS, mimetype="text/javascript", max_age=86400)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
