"""How numbers and dates read on every page: plain functions (no Flask), so the template
filters (web/templating.py), the figures' data tables and the tests share one rule.

Numbers: thousands separated, at most `places` decimals (more for a small fraction, so 0.004
does not read as 0), no trailing zeros, never an exponent (a Decimal's str gives "2.5E+2"
for 250), then the unit. Dates: "03 Dec 2026"; a time is always UTC and says so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

EMPTY = "—"
# Units written against the number; every other unit follows a no-break space ("250 EUR").
TIGHT_UNITS = frozenset({"%", "‰", "°"})
# A small fraction keeps this many significant digits, up to MAX_PLACES decimals.
SIGNIFICANT = 2
MAX_PLACES = 6


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def number(value: object, unit: str | None = "", places: int = 2) -> str:
    """250 -> "250", 0.5 -> "0.5", 1234567.891 -> "1,234,567.89", None -> "—",
    (12.5, "%") -> "12.5%", (250, "EUR") -> "250 EUR" (no-break space), -3 -> "-3"."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY if value is None or value == "" else str(value)
    if amount and abs(amount) < 1:
        # The first significant digit's place, then SIGNIFICANT digits from there.
        first = -amount.adjusted()
        places = max(places, min(first + SIGNIFICANT - 1, MAX_PLACES))
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    unit = (unit or "").strip()
    if not unit:
        return text
    return f"{text}{unit}" if unit in TIGHT_UNITS else f"{text}\u00a0{unit}"


def percent(fraction: object, places: int = 1) -> str:
    """A share as a percentage: 0.125 -> "12.5%", 1 -> "100%", None -> "—"."""
    amount = _decimal(fraction)
    if amount is None:
        return number(fraction)
    return number(amount * 100, "%", places)


def _moment(value: object) -> date | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) else None


def day(value: object) -> str:
    """A date (or a moment's UTC date) as "03 Dec 2026"; None -> "—"."""
    moment = _moment(value)
    if moment is None:
        return EMPTY if value in (None, "") else str(value)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%d %b %Y")


def when(value: object) -> str:
    """A moment as "03 Dec 2026 14:05 UTC" (a naive one is UTC already); a date alone reads as
    `day` (it has no time to show)."""
    moment = _moment(value)
    if not isinstance(moment, datetime):
        return day(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%d %b %Y %H:%M UTC")


def duration(minutes: object) -> str:
    """A span of minutes as people say it: 45 -> "45 min", 200 -> "3 h 20 min",
    3000 -> "2 d 2 h" (days keep hours only), None -> "—"."""
    amount = _decimal(minutes)
    if amount is None:
        return EMPTY
    total = int(amount.to_integral_value(rounding=ROUND_HALF_UP))
    sign, total = ("-" if total < 0 else ""), abs(total)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h {mins} min" if mins else f"{hours} h"
    else:
        text = f"{mins} min"
    return sign + text
