"""What a serving process does once the app is built, before its first request."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Move everything start-up built (the app, SQLAlchemy's mappers, Plotly's validators:
    about 120,000 objects) out of the garbage collector's reach.

    They live as long as the process, yet each full collection walks them all again, a pause
    landing on whichever request happens to be running, which is what a page's p95 shows
    (bench/NOTES.md). Frozen, a full collection walks only what requests made since.
    """
    gc.collect()
    gc.freeze()
