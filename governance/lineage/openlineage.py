"""Reading OpenLineage events as the official clients send them, and refusing what is wrong.

The HTTP transport of `openlineage-python` POSTs one event as JSON (`Content-Type:
application/json`), optionally gzip-compressed (`Content-Encoding: gzip`), with
`Authorization: Bearer <api_key>`; the spec's batch endpoint takes a JSON array of events.
A RunEvent has `run` and `job`, a JobEvent `job`, a DatasetEvent `dataset`; every event has
`eventTime`, `producer` and `schemaURL`. Facets, known or not, are kept as they came.

Everything is checked before anything is stored, and a refusal names the field that is wrong
(`events[2].run.runId: ...`), so a producer can fix its event.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from governance.database import nul_path, text_problem
from governance.enums import RunState
from governance.errors import DomainError

MAX_BATCH = 1000


MAX_DECODED_BYTES = 16 * 1024 * 1024


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


_FRACTION = re.compile(r"(\.\d{6})\d+")  # Java clients send nanoseconds; Python keeps micro


TERMINAL = {RunState.COMPLETE, RunState.FAIL, RunState.ABORT}


class EventError(DomainError):
    """An event that cannot be accepted; the message says where and why."""


@dataclass
class DatasetRef:
    namespace: str
    name: str
    facets: dict[str, Any] = field(default_factory=dict)
    # `inputFacets` / `outputFacets` of a run's dataset (data-quality metrics, assertions).
    io_facets: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        facet = self.facets.get("version")
        value = facet.get("datasetVersion") if isinstance(facet, dict) else None
        return str(value)[:120] if value is not None else ""


@dataclass
class JobRef:
    namespace: str
    name: str
    facets: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedEvent:
    schema_kind: str  # RunEvent, JobEvent or DatasetEvent
    event_time: datetime
    raw: str
    event_hash: str
    event_type: RunState | None = None
    run_uuid: str | None = None
    run_facets: dict[str, Any] = field(default_factory=dict)
    job: JobRef | None = None
    inputs: list[DatasetRef] = field(default_factory=list)
    outputs: list[DatasetRef] = field(default_factory=list)
    dataset: DatasetRef | None = None


def decode_body(data: bytes, content_encoding: str | None) -> str:
    """The request body as text: gunzipped when the client said gzip, then UTF-8."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(data, MAX_DECODED_BYTES)
        except zlib.error as error:
            raise EventError(
                "The body says Content-Encoding: gzip but is not gzip data."
            ) from error
        if inflater.unconsumed_tail:
            raise EventError("The decompressed body is too large (16 MB at most).")
        if not inflater.eof:
            raise EventError("The gzip body is truncated.")
    elif encoding not in ("", "identity"):
        raise EventError(f"Content-Encoding {encoding!r} is not supported: send gzip or plain.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise EventError("The body is not UTF-8 text.") from error


def load_json(text: str) -> Any:
    if not text.strip():
        raise EventError("The body is empty: send an OpenLineage event as JSON.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise EventError(
            f"The body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}."
        ) from error


def canonical_hash(event: Any) -> str:
    text = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_batch(body: Any) -> list[ParsedEvent]:
    if not isinstance(body, list):
        raise EventError("A batch is a JSON array of OpenLineage events.")
    if not body:
        raise EventError("The batch is empty: send at least one event.")
    if len(body) > MAX_BATCH:
        raise EventError(f"A batch holds {MAX_BATCH} events at most; this one has {len(body)}.")
    return [
        parse_event(event, json.dumps(event, ensure_ascii=False), f"events[{index}]")
        for index, event in enumerate(body)
    ]


def parse_event(event: Any, raw: str, where: str = "") -> ParsedEvent:
    """Check one event and pull out what the tracker uses; `raw` is kept as received."""
    at = lambda name: f"{where}.{name}" if where else name  # noqa: E731
    if not isinstance(event, dict):
        raise EventError(f"{where or 'The body'}: an OpenLineage event is a JSON object.")
    hidden = nul_path(event, where)
    if hidden is not None:
        # PostgreSQL stores no NUL in text or JSON; refused here, it is never half-stored.
        raise EventError(f"{hidden or 'The body'}: text cannot contain a NUL character.")
    _text(event, "producer", at)
    _text(event, "schemaURL", at)
    event_time = parse_time(event.get("eventTime"), at("eventTime"))
    parsed = ParsedEvent("RunEvent", event_time, raw, canonical_hash(event))
    if "run" in event or "eventType" in event:
        parsed.event_type = _event_type(event.get("eventType"), at("eventType"))
        run = _object(event.get("run"), at("run"), required=True)
        parsed.run_uuid = parse_uuid(run.get("runId"), at("run.runId"))
        parsed.run_facets = _facets(run.get("facets"), at("run.facets"))
        parsed.job = _job(event.get("job"), at("job"))
        parsed.inputs = _datasets(event.get("inputs"), at("inputs"))
        parsed.outputs = _datasets(event.get("outputs"), at("outputs"))
    elif "dataset" in event:
        parsed.schema_kind = "DatasetEvent"
        parsed.dataset = _dataset(event.get("dataset"), at("dataset"))
    elif "job" in event:
        parsed.schema_kind = "JobEvent"
        parsed.job = _job(event.get("job"), at("job"))
        parsed.inputs = _datasets(event.get("inputs"), at("inputs"))
        parsed.outputs = _datasets(event.get("outputs"), at("outputs"))
    else:
        raise EventError(
            f"{where or 'The body'}: not an OpenLineage event: a RunEvent has `run` and `job`, "
            "a JobEvent `job`, a DatasetEvent `dataset`."
        )
    return parsed


def parse_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise EventError(f"{where}: required, an ISO 8601 date and time (2026-11-23T09:30:00Z).")
    text = _FRACTION.sub(r"\1", value.strip())
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        if "t" not in text.lower():
            raise ValueError("no time")
        moment = datetime.fromisoformat(text)
        # A time without an offset is taken as UTC, as OpenLineage's Python client often sends.
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        # Past the calendar's ends (9999-12-31T23:00-02:00), UTC is not a date Python holds.
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise EventError(
            f"{where}: {value!r} is not an ISO 8601 date and time (2026-11-23T09:30:00Z)."
        ) from error
    return moment


def parse_uuid(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _UUID.match(value):
        raise EventError(f"{where}: {value!r} is not a UUID (8-4-4-4-12 hexadecimal digits).")
    return value.lower()


def _event_type(value: Any, where: str) -> RunState:
    if value is None:
        return RunState.OTHER  # optional in the spec: metadata about the run, no transition
    if not isinstance(value, str) or value not in RunState.__members__:
        allowed = ", ".join(s.value for s in RunState)
        raise EventError(f"{where}: {value!r} is not an OpenLineage event type ({allowed}).")
    return RunState(value)


def _text(obj: dict[str, Any], name: str, at: Any, limit: int = 2000) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.strip():
        raise EventError(f"{at(name)}: required, a non-empty string.")
    if len(value) > limit:
        raise EventError(f"{at(name)}: too long ({limit} characters at most).")
    return value


def _object(value: Any, where: str, required: bool = False) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise EventError(f"{where}: {'required, ' if value is None else ''}a JSON object.")
    return value


def _facets(value: Any, where: str) -> dict[str, Any]:
    facets = _object(value, where)
    for name, facet in facets.items():
        if not isinstance(facet, dict):
            raise EventError(f"{where}.{name}: a facet is a JSON object.")
    return facets


def _named(value: Any, where: str) -> tuple[dict[str, Any], str, str]:
    obj = _object(value, where, required=True)
    at = lambda name: f"{where}.{name}"  # noqa: E731
    namespace = _text(obj, "namespace", at, limit=255)
    name = _text(obj, "name", at, limit=500)
    for field_name, text in (("namespace", namespace), ("name", name)):
        problem = text_problem(text, name=True)
        if problem:
            raise EventError(f"{at(field_name)}: {problem}")
    return obj, namespace, name


def _job(value: Any, where: str) -> JobRef:
    obj, namespace, name = _named(value, where)
    return JobRef(namespace, name, _facets(obj.get("facets"), f"{where}.facets"))


def _dataset(value: Any, where: str) -> DatasetRef:
    obj, namespace, name = _named(value, where)
    facets = _facets(obj.get("facets"), f"{where}.facets")
    io_facets: dict[str, Any] = {}
    for extra in ("inputFacets", "outputFacets"):
        io_facets |= _facets(obj.get(extra), f"{where}.{extra}")
    return DatasetRef(namespace, name, facets, io_facets)


def _datasets(value: Any, where: str) -> list[DatasetRef]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise EventError(f"{where}: a JSON array of datasets.")
    return [_dataset(item, f"{where}[{index}]") for index, item in enumerate(value)]
