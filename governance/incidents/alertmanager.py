"""Reading Prometheus Alertmanager's webhook notification (version 4), refusing what is wrong.

Alertmanager's `webhook_config` POSTs one JSON object per notification of an alert group:
`version` ("4"), `groupKey`, `truncatedAlerts`, `status`, `receiver`, `groupLabels`,
`commonLabels`, `commonAnnotations`, `externalURL` and `alerts[]`, each alert with `status`
(firing or resolved), `labels`, `annotations`, `startsAt`, `endsAt` (Go's zero time
"0001-01-01T00:00:00Z" while it fires), `generatorURL` and `fingerprint`.

The whole notification is checked before anything is recorded, and a refusal names the field
(`alerts[2].startsAt: ...`). A 4xx tells Alertmanager not to retry (it retries 5xx only), so a
refusal must be a payload that can never be accepted, never a passing condition.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from governance.database import BIDI_CONTROLS, nul_path, utcnow
from governance.errors import DomainError

# Alertmanager's `max_alerts` bounds a notification; past this, set it (README).
MAX_ALERTS = 1000
# How far ahead of our clock an alert's time may be: Prometheus, Alertmanager and the tracker
# run on different machines. Within it the time is taken as now; past it, refused.
CLOCK_SKEW = timedelta(minutes=5)
MAX_LABEL = 1000  # characters of a label name or value we keep
STATUSES = ("firing", "resolved")

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_GO_ZERO = datetime(1, 1, 1, tzinfo=UTC)


class PayloadError(DomainError):
    """A notification that cannot be accepted; the message says which field and why."""


@dataclass(frozen=True)
class Alert:
    index: int
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    # None while firing (Go's zero time); set once resolved.
    ends_at: datetime | None
    generator_url: str
    fingerprint: str

    @property
    def firing(self) -> bool:
        return self.status == "firing"

    @property
    def dedupe_key(self) -> str:
        """The same alert in the same state: a notification sent again (Alertmanager repeats
        on `repeat_interval`, and retries) carries the same key, and changes nothing."""
        parts = [self.fingerprint, self.status, self.starts_at.isoformat()]
        if not self.firing and self.ends_at is not None:
            parts.append(self.ends_at.isoformat())
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    @property
    def title(self) -> str:
        summary = self.annotations.get("summary", "").strip()
        name = self.labels.get("alertname", "").strip()
        title = summary or name or f"Alert {self.fingerprint}"
        # A title is a name: text-direction controls would show it as it is not stored.
        return "".join(c for c in title if c not in BIDI_CONTROLS)[:300]

    @property
    def description(self) -> str:
        lines = [self.annotations.get("description", "").strip()]
        lines.append(", ".join(f"{k}={v}" for k, v in sorted(self.labels.items())))
        if self.generator_url:
            lines.append(f"Source: {self.generator_url}")
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Notification:
    status: str
    receiver: str
    group_key: str
    external_url: str
    truncated_alerts: int
    alerts: list[Alert] = field(default_factory=list)


def parse_notification(body: Any, now: datetime | None = None) -> Notification:
    """Check a whole notification; raise PayloadError naming the first wrong field."""
    now = now or utcnow()
    if not isinstance(body, dict):
        raise PayloadError("The body must be a JSON object: Alertmanager's webhook payload.")
    hidden = nul_path(body)
    if hidden is not None:
        raise PayloadError(f"{hidden or 'The body'}: text cannot contain a NUL character.")
    if body.get("version") != "4":
        got = "missing" if "version" not in body else f"got {body['version']!r}"
        raise PayloadError(f'version: expected "4" (Alertmanager\'s webhook version), {got}.')
    status = _status(body.get("status"), "status")
    truncated = body.get("truncatedAlerts", 0)
    if isinstance(truncated, bool) or not isinstance(truncated, int) or truncated < 0:
        raise PayloadError("truncatedAlerts: a whole number, 0 or more.")
    for name in ("groupLabels", "commonLabels", "commonAnnotations"):
        _strings(body.get(name, {}), name)
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError(f"alerts: {'required, ' if alerts is None else ''}a JSON array.")
    if not alerts:
        raise PayloadError("alerts: empty; a notification carries at least one alert.")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(
            f"alerts: {len(alerts)} alerts; at most {MAX_ALERTS} in one notification "
            f"(set max_alerts: {MAX_ALERTS} in the webhook_config)."
        )
    return Notification(
        status=status,
        receiver=_optional_text(body, "receiver", "receiver"),
        group_key=_optional_text(body, "groupKey", "groupKey"),
        external_url=_optional_text(body, "externalURL", "externalURL"),
        truncated_alerts=truncated,
        alerts=[_alert(alert, index, now) for index, alert in enumerate(alerts)],
    )


def _alert(value: Any, index: int, now: datetime) -> Alert:
    where = f"alerts[{index}]"
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: an alert is a JSON object.")
    status = _status(value.get("status"), f"{where}.status")
    if "labels" not in value:
        raise PayloadError(f"{where}.labels: required, a JSON object of strings.")
    labels = _strings(value["labels"], f"{where}.labels")
    annotations = _strings(value.get("annotations", {}), f"{where}.annotations")
    starts_at = parse_time(value.get("startsAt"), f"{where}.startsAt", now)
    if starts_at is None:
        raise PayloadError(f"{where}.startsAt: the zero time; a real start time is required.")
    ends_at = parse_time(value.get("endsAt", "0001-01-01T00:00:00Z"), f"{where}.endsAt", now)
    if status == "firing":
        ends_at = None  # a firing alert's end is not known yet, whatever was sent
    elif ends_at is None:
        raise PayloadError(f"{where}.endsAt: a resolved alert needs the time it ended.")
    elif ends_at < starts_at:
        raise PayloadError(f"{where}.endsAt: before startsAt; an alert ends after it starts.")
    fingerprint = value.get("fingerprint")
    if fingerprint is None:
        # Alertmanager before 0.19 sent none; its fingerprint is a hash of the label set too.
        text = "\n".join(f"{k}={v}" for k, v in sorted(labels.items()))
        fingerprint = "labels:" + hashlib.sha256(text.encode()).hexdigest()[:16]
    elif not isinstance(fingerprint, str) or not 0 < len(fingerprint.strip()) <= 64:
        raise PayloadError(f"{where}.fingerprint: a string of 1 to 64 characters.")
    return Alert(
        index=index,
        status=status,
        labels=labels,
        annotations=annotations,
        starts_at=starts_at,
        ends_at=ends_at,
        generator_url=_optional_text(value, "generatorURL", f"{where}.generatorURL"),
        fingerprint=fingerprint.strip(),
    )


def parse_time(value: Any, where: str, now: datetime) -> datetime | None:
    """An RFC 3339 time (Go's, with nanoseconds and an offset) in UTC; None for Go's zero time.
    A time a little ahead of our clock is taken as now; further ahead it is refused."""
    if not isinstance(value, str):
        raise PayloadError(f"{where}: {'required, ' if value is None else ''}an RFC 3339 time.")
    match = _RFC3339.match(value.strip())
    if match is None:
        raise PayloadError(f"{where}: {value[:60]!r} is not an RFC 3339 time.")
    fraction = (match.group(7) or "")[:7]  # a dot and microseconds: Python keeps no more
    offset = match.group(8)
    text = "{}-{}-{}T{}:{}:{}".format(*match.groups()[:6]) + fraction
    text += "+00:00" if offset in ("Z", "z") else offset
    try:
        moment = datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise PayloadError(f"{where}: {value[:60]!r} is not an RFC 3339 time.") from error
    if moment == _GO_ZERO:
        return None
    if moment > now + CLOCK_SKEW:
        raise PayloadError(
            f"{where}: {value[:60]!r} is more than {CLOCK_SKEW.seconds // 60} minutes in the "
            "future; check the clocks of Prometheus and Alertmanager."
        )
    return min(moment, now)


def _status(value: Any, where: str) -> str:
    if value not in STATUSES:
        got = "missing" if value is None else f"got {str(value)[:40]!r}"
        raise PayloadError(f'{where}: "firing" or "resolved", {got}.')
    return str(value)


def _strings(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: a JSON object of strings.")
    for key, text in value.items():
        if not isinstance(text, str):
            raise PayloadError(f"{where}.{key}: a string, got {type(text).__name__}.")
        if len(key) > MAX_LABEL or len(text) > 20 * MAX_LABEL:
            raise PayloadError(f"{where}.{key[:60]}: too long.")
    return value


def _optional_text(obj: dict[str, Any], name: str, where: str) -> str:
    value = obj.get(name, "")
    if not isinstance(value, str):
        raise PayloadError(f"{where}: a string.")
    return value[:2000]
