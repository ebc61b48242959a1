"""Verify an exported decision log of the AI Governance Tracker, with nothing but Python 3.11+.

This file is self-contained on purpose: an auditor copies it alone, away from the application,
and checks an export the application produced. It uses only the standard library.

Usage
-----
    python3 verify.py EXPORT.jsonl
    python3 verify.py EXPORT.jsonl --anchor 120:3f5c...e9a1
    python3 verify.py - < EXPORT.jsonl          # read the export from standard input
    python -m governance.verify EXPORT.jsonl    # the same, from inside the application

Exit status: 0 when the log verifies ("OK: N entries, head seq S hash H"), 1 when it does not
("FAILED: <the first problem, naming the entry's seq and line>"), 2 when the command itself
cannot run (unreadable file, malformed --anchor).

The chain proves the export is internally consistent: no entry was altered, removed, inserted
or reordered *unless every later hash was recomputed too*. Nothing inside a file can rule out
such a wholesale rewrite, or a cut of the newest entries. Record the head ("seq:hash") printed
by a previous verification, or published by the organization, and pass it as --anchor: the
export must then contain that seq with exactly that hash, which detects both.

The scheme ("governance.decision-log.v1"), enough to re-implement it
--------------------------------------------------------------------
* The export is JSON Lines, UTF-8: one JSON object per line, in sequence order. Blank lines
  are ignored. Each object is one decision entry of one organization: every hashed field of
  the decision plus
    - "seq": integer, 1 for the first entry, then contiguous (2, 3, ...);
    - "prev_hash": the "hash" of the previous entry; for seq 1 it is GENESIS_HASH, 64 zeros;
    - "hash": lowercase hex SHA-256, defined below.
  Every entry must carry the same "organization" value (or every entry none): a decision log
  belongs to one organization.
* The hash of an entry covers every key of the object except "hash" itself, so "seq" and
  "prev_hash" are covered and each entry commits to the whole history before it:

      hash = hex(SHA-256( b"governance-decision-log\\x00" + CANONICAL ))

  where CANONICAL is the UTF-8 encoding of the JSON text of
      {"entry": <the object without "hash">, "scheme": "governance.decision-log.v1"}
  written canonically, i.e. exactly as Python's
      json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                 allow_nan=False).encode("utf-8")
  writes it:
    - object keys sorted by Unicode code point, at every depth; no whitespace at all;
    - strings: non-ASCII characters written as themselves (UTF-8), only these escaped:
      \\" \\\\ \\b \\f \\n \\r \\t, and the other characters below U+0020 as \\u00XX with
      lowercase hex; "/" and U+007F are not escaped; strings are not Unicode-normalized;
    - integers in plain decimal (no exponent, no ".0"); true, false, null as such;
    - no floating-point numbers anywhere: the scheme refuses them, because their text form is
      not stable across languages. Values are strings, integers, booleans, null, arrays and
      objects with string keys only. Note that 1 and true hash differently.
* Timestamps inside entries are strings in UTC, "YYYY-MM-DDTHH:MM:SS.ffffffZ" (six fraction
  digits, always present), so that they sort as text and hash identically everywhere.

Test vector: the entry {"seq": 1, "prev_hash": "000...000" (64 zeros), "title": "Approve"} has
CANONICAL  {"entry":{"prev_hash":"000...000","seq":1,"title":"Approve"},
            "scheme":"governance.decision-log.v1"}  (on one line, with the 64 zeros)
and hash   9195fd4a75c720bb73cfabbd4422d26389442478f63f768e5265f5f6b80116af
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "DOMAIN",
    "GENESIS_HASH",
    "SCHEME",
    "VerifyResult",
    "canonical_bytes",
    "entry_hash",
    "format_timestamp",
    "main",
    "parse_anchor",
    "verify_entries",
    "verify_file",
    "verify_lines",
]

SCHEME = "governance.decision-log.v1"
# Prefixing a fixed domain means a hash made for this log can never be confused with a SHA-256
# of the same bytes computed for any other purpose.
DOMAIN = b"governance-decision-log\x00"
GENESIS_HASH = "0" * 64

_HEX64 = re.compile(r"[0-9a-f]{64}")
_ANCHOR = re.compile(r"\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*")
# A sentinel distinct from None: an entry with "organization": null differs from one without it.
_ABSENT: Any = object()


# --------------------------------------------------------------------------- the hash scheme


_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


def _is_plain(value: object) -> bool:
    """Fast check that ``value`` holds only exact str/int/bool/None/list/dict-with-str-keys.

    Runs for every entry, so it avoids isinstance() and building error paths; anything it does
    not recognise goes to _check_json_value, which is slower but explains the problem.
    """
    # Any: mypy cannot narrow through "kind = type(item)"; the tests below do the checking.
    stack: list[Any] = [value]
    pop, push_all = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind in _PLAIN_SCALARS:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str:
                    return False
            push_all(item.values())
        elif kind is list:
            push_all(item)
        else:
            return False
    return True


def _check_json_value(value: object) -> None:
    """Raise for the first value the scheme refuses, naming where it is in the entry."""
    stack: list[tuple[object, str]] = [(value, "entry")]
    while stack:
        item, where = stack.pop()
        # Subclasses (an enum.StrEnum status, an IntEnum impact) are written by json exactly
        # like their base type, so they hash like it too. bool is an int and json writes it
        # as true/false, distinct from 1/0.
        if item is None or isinstance(item, str | int):
            continue
        if isinstance(item, float):
            raise ValueError(f"{where} is a float ({item!r}): floats are not allowed by {SCHEME}")
        if isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
            continue
        if isinstance(item, dict):
            for key, v in item.items():
                if not isinstance(key, str):
                    raise TypeError(f"{where} has a non-string key {key!r}")
                stack.append((v, f"{where}.{key}"))
            continue
        # Tuples, datetimes, Decimals...: json would coerce or refuse them, and a coerced value
        # would hash differently from what the export later shows, so make the caller decide.
        raise TypeError(f"{where} has unsupported type {type(item).__name__}")


def canonical_bytes(entry: Mapping[str, object]) -> bytes:
    """The exact bytes that are hashed for ``entry`` (its "hash" key, if any, is left out).

    Raises ValueError for a float anywhere in the entry and TypeError for a value that is not
    str, int, bool, None, list or dict with str keys.
    """
    body = {key: value for key, value in entry.items() if key != "hash"}
    payload = {"scheme": SCHEME, "entry": body}
    # Serialise before walking the value: json.dumps refuses circular references (which would
    # send the walk round forever) and NaN/Infinity (allow_nan=False).
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    if not _is_plain(body):
        _check_json_value(body)
    # Strict UTF-8: a lone surrogate (possible after json.loads of "\ud800") raises
    # UnicodeEncodeError, a ValueError, instead of hashing bytes no other tool would produce.
    return text.encode("utf-8")


def entry_hash(entry: Mapping[str, object]) -> str:
    """Lowercase hex SHA-256 of DOMAIN + canonical_bytes(entry)."""
    return hashlib.sha256(DOMAIN + canonical_bytes(entry)).hexdigest()


def format_timestamp(dt: datetime) -> str:
    """UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ"; a naive datetime is taken to be UTC already."""
    utc = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    # Formatted by hand: strftime("%Y") does not zero-pad years below 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


# ------------------------------------------------------------------------------ verification


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verification.

    ``count`` is the number of entries that verified (all of them when ``ok``; those before
    the problem otherwise), and ``head_seq``/``head_hash`` the last of those (None when there
    is none). On failure ``error`` describes the first problem, and ``bad_seq``/``bad_line``
    locate it when they are known (a line that is not JSON has no seq).
    """

    ok: bool
    count: int
    head_seq: int | None
    head_hash: str | None
    error: str | None = None
    bad_seq: int | None = None
    bad_line: int | None = None


class _Failure(Exception):
    def __init__(self, message: str, seq: int | None, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.seq = seq
        self.line = line


def parse_anchor(text: str) -> tuple[int, str]:
    """Parse "SEQ:HASH" (SEQ >= 1, HASH 64 hex digits) into (seq, lowercase hash)."""
    match = _ANCHOR.fullmatch(text)
    if match is None:
        raise ValueError(
            f"invalid anchor {text!r}: expected SEQ:HASH, e.g. 120:<64 hex digits of sha256>"
        )
    seq = int(match.group(1))
    if seq < 1:
        raise ValueError(f"invalid anchor {text!r}: SEQ must be 1 or more")
    return seq, match.group(2).lower()


def _normalize_anchor(anchor: tuple[int, str] | None) -> tuple[int, str] | None:
    if anchor is None:
        return None
    seq, digest = anchor
    return parse_anchor(f"{seq}:{digest}")


class _Chain:
    """Checks entries one at a time, keeping only the previous entry's seq and hash."""

    def __init__(self, anchor: tuple[int, str] | None) -> None:
        self.anchor = _normalize_anchor(anchor)
        self.anchor_seen = False
        self.count = 0
        self.head_seq: int | None = None
        self.head_hash: str | None = None
        self.organization: object = _ABSENT

    def feed(self, line: int, entry: object) -> None:
        if not isinstance(entry, dict | Mapping):
            raise _Failure(f"line {line}: not a JSON object", None, line)

        seq = entry.get("seq")
        # bool is an int subclass; "seq": true must not pass for 1.
        if type(seq) is not int:
            what = "missing" if "seq" not in entry else f"not an integer ({seq!r})"
            raise _Failure(f"entry at line {line}: 'seq' is {what}", None, line)
        where = f"entry seq {seq} (line {line})"
        for key in ("prev_hash", "hash"):
            value = entry.get(key)
            if not isinstance(value, str) or _HEX64.fullmatch(value) is None:
                what = "missing" if key not in entry else "not 64 lowercase hex digits"
                raise _Failure(f"{where}: '{key}' is {what}", seq, line)

        expected = 1 if self.head_seq is None else self.head_seq + 1
        if seq != expected:
            raise _Failure(self._seq_problem(line, seq, expected), seq, line)

        # The entry's own hash first: if it was edited in place (its prev_hash included), say
        # so, rather than blaming the link to the entry before it.
        try:
            actual = entry_hash(entry)
        except (ValueError, TypeError, RecursionError) as exc:
            raise _Failure(f"{where}: cannot be hashed: {exc}", seq, line) from None
        if actual != entry["hash"]:
            raise _Failure(f"{where}: hash mismatch: the entry was altered", seq, line)

        prev = entry["prev_hash"]
        if self.head_hash is None:
            if prev != GENESIS_HASH:
                raise _Failure(
                    f"{where}: prev_hash is not the genesis hash (64 zeros): the start of the"
                    " log was removed or replaced",
                    seq,
                    line,
                )
        elif prev != self.head_hash:
            raise _Failure(
                f"{where}: prev_hash does not match the hash of entry seq {seq - 1}: an entry"
                " was replaced, or the log was rewritten from here on",
                seq,
                line,
            )

        organization = entry.get("organization", _ABSENT)
        if self.count == 0:
            self.organization = organization
        elif organization != self.organization:
            raise _Failure(
                f"{where}: organization {_show(organization)} differs from"
                f" {_show(self.organization)} of the entries before it: a decision log"
                " belongs to one organization",
                seq,
                line,
            )

        if self.anchor is not None and seq == self.anchor[0]:
            if entry["hash"] != self.anchor[1]:
                raise _Failure(
                    f"anchor hash mismatch at seq {seq} (line {line}): the log holds"
                    f" {entry['hash']}, the anchor {self.anchor[1]}: the log was rewritten"
                    f" at or before seq {seq}",
                    seq,
                    line,
                )
            self.anchor_seen = True

        self.count += 1
        self.head_seq = seq
        self.head_hash = actual

    @staticmethod
    def _seq_problem(line: int, seq: int, expected: int) -> str:
        start = f"entry at line {line} has seq {seq}, expected {expected}"
        if seq < 1:
            return f"{start}: seqs start at 1"
        if expected == 1:
            return f"{start}: entries were removed from the start of the log"
        if seq > expected:
            missing = f"seq {expected}" if seq == expected + 1 else f"seqs {expected}-{seq - 1}"
            return f"{start}: an entry was removed or reordered ({missing} missing here)"
        if seq == expected - 1:
            return f"{start}: it repeats the seq of the entry before it: an entry was inserted"
        return f"{start}: an entry was inserted or reordered"

    def finish(self) -> None:
        if self.anchor is not None and not self.anchor_seen:
            # feed() has already failed for any anchor seq that was present, so it is beyond
            # the last entry.
            after = (
                "the log is empty"
                if self.head_seq is None
                else f"the log was truncated after seq {self.head_seq}"
            )
            raise _Failure(f"anchor seq {self.anchor[0]} not found: {after}", None, None)

    def result(self, failure: _Failure | None = None) -> VerifyResult:
        if failure is None:
            return VerifyResult(True, self.count, self.head_seq, self.head_hash)
        return VerifyResult(
            False,
            self.count,
            self.head_seq,
            self.head_hash,
            failure.message,
            failure.seq,
            failure.line,
        )


def _show(organization: object) -> str:
    return "(none)" if organization is _ABSENT else repr(organization)


def _run(items: Iterable[tuple[int, object]], anchor: tuple[int, str] | None) -> VerifyResult:
    chain = _Chain(anchor)
    try:
        for line, entry in items:
            chain.feed(line, entry)
        chain.finish()
    except _Failure as failure:
        return chain.result(failure)
    return chain.result()


def verify_entries(
    entries: Iterable[Mapping[str, object]], anchor: tuple[int, str] | None = None
) -> VerifyResult:
    """Verify entries given in order; "line" in messages is the 1-based position.

    ``anchor`` is (seq, hash): the entries must include that seq with exactly that hash.
    Raises ValueError if the anchor itself is malformed.
    """
    return _run(enumerate(entries, start=1), anchor)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        # JSON parsers disagree on which duplicate wins, so the hashed value would be ambiguous.
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return obj


def _parse_lines(lines: Iterable[bytes | str]) -> Iterator[tuple[int, object]]:
    decoder = json.JSONDecoder(object_pairs_hook=_unique_keys)
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            raise _Failure(f"line {number}: not valid UTF-8 ({exc.reason})", None, number) from None
        if not text.strip():
            continue
        try:
            yield number, decoder.decode(text)
        # JSONDecodeError and a duplicate key are ValueErrors; absurd nesting is a RecursionError.
        except (ValueError, RecursionError) as exc:
            raise _Failure(f"line {number}: not valid JSON: {exc}", None, number) from None


def verify_lines(
    lines: Iterable[bytes | str], anchor: tuple[int, str] | None = None
) -> VerifyResult:
    """Verify a JSONL export given as lines (bytes are decoded as UTF-8), streaming."""
    return _run(_parse_lines(lines), anchor)


def verify_file(path: str | Path, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Verify a JSONL export file, one line at a time; "-" reads standard input.

    Raises OSError if the file cannot be read, ValueError if the anchor is malformed.
    """
    if str(path) == "-":
        return verify_lines(sys.stdin.buffer, anchor)
    # Binary, so that a line that is not UTF-8 is reported with its number.
    with open(path, "rb") as stream:
        return verify_lines(stream, anchor)


# ------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="verify.py",
        description=f"Verify the hash chain of a decision-log export ({SCHEME}).",
        epilog="Exit status: 0 verified, 1 verification failed, 2 could not run.",
    )
    parser.add_argument("export", help="the JSONL export to check, or - for standard input")
    parser.add_argument(
        "--anchor",
        metavar="SEQ:HASH",
        help="a head recorded earlier: the export must contain SEQ with exactly HASH"
        " (detects truncation and wholesale rewriting)",
    )
    args = parser.parse_args(argv)

    anchor: tuple[int, str] | None = None
    if args.anchor is not None:
        try:
            anchor = parse_anchor(args.anchor)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    try:
        result = verify_file(args.export, anchor)
    except OSError as exc:
        print(f"error: cannot read {args.export}: {exc.strerror or exc}", file=sys.stderr)
        return 2

    if result.ok:
        if result.head_seq is None:
            print("OK: 0 entries (empty log)")
        else:
            print(f"OK: {result.count} entries, head seq {result.head_seq} hash {result.head_hash}")
        return 0
    print(f"FAILED: {result.error}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
