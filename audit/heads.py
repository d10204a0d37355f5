"""The chains' heads outside the database: an append-only file of signed records.

After every sealing pass commits (``audit.services.access_log_seal``: the minute job, and the full
pass before each verification), ``heads_record`` appends one record to the file named by
``KAIGO_AUDIT_HEADS_PATH`` when a chain's head has moved since the last record: for each chain its
last seq, the id of the row there, its row_hash and when that link was made. Each record is signed
with the keyring's seal key (Ed25519, the key that signs the checkpoints, outside the database)
over ``audit.chain.head_message``, which includes the signature of the record before it: a record
removed from the middle, changed or re-ordered breaks the next signature. ``heads_read`` reads the
file back for ``audit_verify``, which checks the database against every head it holds
(docs/subsystems/audit.md, "Heads outside the database").

One record a line, JSON (no personal data: seqs, row ids of the audit tables, hashes, times)::

    {"heads": [{"chain": "access", "hash": "<hex>", "id": 4711, "linked_at": "2026-11-27T01:02:03.123456Z",
                "seq": 120}, {"chain": "auth", ...}],
     "key": "seal-1", "prev": "<hex: the previous record's signature; empty for record 1>",
     "record": 12, "sig": "<hex>", "written_at": "2026-11-27T01:02:04.000001Z"}

The file is only ever appended to (``O_APPEND``, one ``write`` per record, under ``flock`` so that
two sealing processes do not both chain to the same record), and fsynced. A deployment ships it to
another machine as it grows (docs/deployment.md).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone as django_timezone

from audit.chain import CHAINS, GENESIS, Break, BreakKind, ChainHead, ExternalHead, head_message

logger = logging.getLogger(__name__)

HEADS = "heads"  # the name findings about the file are reported under
LABEL = "外部記録"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
TAIL_BLOCK = 65536
MAX_PROBLEMS = 100

# Each chain's last link: (seq, id of the row there, row_hash, when the link was made).
HEAD_SQL = {
    "access": "SELECT seq, entry_id, row_hash, sealed_at FROM audit_accessseal ORDER BY seq DESC LIMIT 1",
    "auth": "SELECT seq, id, row_hash, created_at FROM audit_authevent ORDER BY seq DESC LIMIT 1",
}
assert set(HEAD_SQL) == set(CHAINS)


def heads_path() -> Path | None:
    configured = getattr(settings, "KAIGO_AUDIT_HEADS_PATH", "")
    return Path(configured) if configured else None


def current_heads() -> tuple[ChainHead, ...]:
    """The head of every chain now, in chain-name order (read committed: what has committed)."""
    heads = []
    with connection.cursor() as cursor:
        for chain in sorted(HEAD_SQL):
            cursor.execute(HEAD_SQL[chain])
            found = cursor.fetchone()
            if found is None:
                heads.append(ChainHead(chain, 0, None, GENESIS, None))
            else:
                seq, row_id, row_hash, linked_at = found
                heads.append(ChainHead(chain, seq, row_id, bytes(row_hash), linked_at))
    return tuple(heads)


# --- records --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    record: int
    written_at: datetime
    heads: tuple[ChainHead, ...]
    prev_signature: bytes
    key_version: str
    signature: bytes
    line: int = 0  # the line of the file it was read from

    def message(self) -> bytes:
        return head_message(record=self.record, written_at=self.written_at, heads=self.heads,
                            prev_signature=self.prev_signature)


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).strftime(TIME_FORMAT)


def _parse_ts(value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("a time is not text")
    return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=timezone.utc)


def record_line(record: Record) -> bytes:
    data = {
        "record": record.record,
        "written_at": _ts(record.written_at),
        "heads": [{"chain": h.chain, "seq": h.seq, "id": h.row_id, "hash": h.row_hash.hex(),
                   "linked_at": _ts(h.linked_at)} for h in record.heads],
        "prev": record.prev_signature.hex(),
        "key": record.key_version,
        "sig": record.signature.hex(),
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii") + b"\n"


def _int(value, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value


def parse_record(raw: bytes, line: int = 0) -> Record:
    """One line of the file; ValueError when it is not a record."""
    try:
        data = json.loads(raw.decode("ascii"))
        heads = tuple(
            ChainHead(chain=str(h["chain"]), seq=_int(h["seq"]), row_id=_int(h["id"], optional=True),
                      row_hash=bytes.fromhex(h["hash"]), linked_at=_parse_ts(h["linked_at"]))
            for h in data["heads"]
        )
        return Record(record=_int(data["record"]), written_at=_parse_ts(data["written_at"]), heads=heads,
                      prev_signature=bytes.fromhex(data["prev"]), key_version=str(data["key"]),
                      signature=bytes.fromhex(data["sig"]), line=line)
    except (UnicodeDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError("not a heads record") from exc


def _last_record(fd: int) -> tuple[Record | None, bool]:
    """The last record of the file that can be parsed, and whether the file ends with a newline
    (it does not after a write cut short by a crash)."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None, True
    ends_with_newline = os.pread(fd, 1, size - 1) == b"\n"
    position, carry = size, b""
    while position > 0:
        start = max(0, position - TAIL_BLOCK)
        lines = (os.pread(fd, position - start, start) + carry).split(b"\n")
        position = start
        complete = lines if position == 0 else lines[1:]
        carry = b"" if position == 0 else lines[0]
        for raw in reversed(complete):
            if raw.strip():
                try:
                    return parse_record(raw), ends_with_newline
                except ValueError:
                    continue
    return None, ends_with_newline


_warned: list[bool] = []  # the missing seal key is logged once per process, not every minute


def heads_record(path: Path | str | None = None) -> Record | None:
    """Append the chains' heads to the heads file if one moved since its last record; returns the
    record written (None: nothing to write, no file configured, no seal key, or the file cannot be
    written, which is logged as an ERROR and found by the next verification).

    Call it after the sealing transaction has committed (``transaction.on_commit``): a head must
    never name a link that a rollback took back."""
    from kaigo.crypto.keyring import get_keyring

    path = Path(path) if path else heads_path()
    if path is None:
        return None
    signer = get_keyring().seal_signer()
    if signer is None:
        if not _warned:
            logger.warning("audit heads not written: the keyring has no seal key")
            _warned.append(True)
        return None
    version, key = signer
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    except OSError as exc:
        logger.error("audit heads file cannot be opened: %s", type(exc).__name__)
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one writer at a time: read the last record, append the next
        last, ends_with_newline = _last_record(fd)
        heads = current_heads()  # under the lock: a later writer never records an older head
        if last is not None and last.heads == heads:
            return None
        if last is None and os.fstat(fd).st_size == 0:
            logger.warning("audit heads file started: record 1")
        number = last.record + 1 if last is not None else 1
        previous = last.signature if last is not None else b""
        record = Record(record=number, written_at=django_timezone.now(), heads=heads, prev_signature=previous,
                        key_version=version, signature=b"")
        record = replace(record, signature=key.sign(record.message()))
        # a line cut short by a crash is closed first, so that this record starts a line of its own
        os.write(fd, (b"" if ends_with_newline else b"\n") + record_line(record))
        os.fsync(fd)
        return record
    except OSError as exc:
        logger.error("audit heads file cannot be written: %s", type(exc).__name__)
        return None
    finally:
        os.close(fd)


# --- reading it back --------------------------------------------------------------------------------


@dataclass
class HeadsScan:
    """What the heads file holds, checked: the heads of every record whose signature verifies, by
    chain and seq, and the problems of the file itself (each a Break under the name "heads", its
    seq the line of the file)."""

    path: str
    exists: bool = True
    readable: bool = True
    lines: int = 0
    records: int = 0  # records whose signature verifies
    last: Record | None = None  # the last of them
    heads: dict[str, dict[int, list[ExternalHead]]] = field(default_factory=dict)
    problems: list[Break] = field(default_factory=list)
    problems_total: int = 0
    anchor_found: bool = False  # the anchored record (number and signature) is in the file

    def report(self, kind: str, line: int, message: str) -> None:
        self.problems_total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Break(HEADS, kind, line, None, message))


def heads_read(path: Path | str, *, anchor: tuple[int, bytes] | None = None) -> HeadsScan:
    """Read and check the heads file: every line a record, each signed with a seal key of the
    keyring over itself and the signature of the record before it, numbered 1, 2, 3, ... With
    ``anchor`` (the number and signature of a record an earlier verification saw) also whether that
    record is still there."""
    from cryptography.exceptions import InvalidSignature

    from kaigo.crypto.errors import MissingKey
    from kaigo.crypto.keyring import get_keyring

    scan = HeadsScan(path=str(path))
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        scan.exists = False
        return scan
    except OSError as exc:
        scan.readable = False
        scan.report(BreakKind.HEADS_UNREADABLE, 0,
                    f"{LABEL}のファイル（{path}）を読めません（{type(exc).__name__}）。")
        return scan
    ring = get_keyring()
    public_keys: dict[str, object] = {}
    previous: Record | None = None  # the last record read (its signature is what the next one names)
    longest: dict[str, int] = {}  # per chain, the highest seq of the records so far
    regressed: set[str] = set()
    with handle:
        try:
            for number, raw in enumerate(handle, start=1):
                scan.lines = number
                if not raw.strip():
                    continue
                if not raw.endswith(b"\n"):
                    scan.report(BreakKind.HEADS_UNREADABLE, number,
                                f"{LABEL}の {number} 行目が途中で切れています（書き込みの中断）。")
                    continue
                try:
                    record = parse_record(raw.rstrip(b"\n"), number)
                except ValueError:
                    scan.report(BreakKind.HEADS_UNREADABLE, number,
                                f"{LABEL}の {number} 行目が読めません（記録の形式ではありません）。")
                    continue
                try:
                    if record.key_version not in public_keys:
                        public_keys[record.key_version] = ring.seal_public(record.key_version)
                    public_keys[record.key_version].verify(record.signature, record.message())
                    signed = True
                except (InvalidSignature, MissingKey, ValueError):
                    signed = False
                _check_sequence(scan, previous, record, number)
                previous = record
                if anchor is not None and (record.record, record.signature) == anchor:
                    scan.anchor_found = True
                if not signed:
                    scan.report(BreakKind.HEADS_FORGED, number,
                                f"{LABEL}の {number} 行目（記録 {record.record}）の署名が一致しません（記録の書き換え）。")
                    continue
                scan.records += 1
                scan.last = record
                for head in record.heads:
                    if head.seq < longest.get(head.chain, 0):
                        regressed.add(head.chain)  # the chain was longer before: later heads narrow nothing
                    longest[head.chain] = max(longest.get(head.chain, 0), head.seq)
                    at_seq = scan.heads.setdefault(head.chain, {}).setdefault(head.seq, [])
                    if any(seen.row_hash == head.row_hash and seen.row_id == head.row_id for seen in at_seq):
                        continue  # the same head again (another chain moved): its first record says it all
                    at_seq.append(ExternalHead(
                        seq=head.seq, row_id=head.row_id, row_hash=head.row_hash, line=number,
                        written_at=record.written_at, after_regression=head.chain in regressed))
        except OSError as exc:
            scan.readable = False
            scan.report(BreakKind.HEADS_UNREADABLE, scan.lines,
                        f"{LABEL}のファイル（{path}）を読めません（{type(exc).__name__}）。")
    return scan


def _check_sequence(scan: HeadsScan, previous: Record | None, record: Record, line: int) -> None:
    """Each record follows the one before it: the next number, and the previous one's signature."""
    expected = previous.record + 1 if previous is not None else 1
    if record.record > expected:
        missing = f"記録 {expected}" if record.record == expected + 1 else f"記録 {expected}〜{record.record - 1}"
        where = "ファイルの先頭" if previous is None else f"{line} 行目の前"
        scan.report(BreakKind.HEADS_GAP, line, f"{LABEL}の{missing} がありません（{where}の行の削除）。")
    elif record.record < expected:
        scan.report(BreakKind.HEADS_GAP, line,
                    f"{LABEL}の {line} 行目（記録 {record.record}）は記録の番号が戻っています（行の差し替えまたは重複）。")
    elif record.prev_signature != (previous.signature if previous is not None else b""):
        scan.report(BreakKind.HEADS_GAP, line,
                    f"{LABEL}の {line} 行目（記録 {record.record}）の直前の記録が差し替えられています"
                    f"（署名の連鎖が一致しません）。")


def heads_for(scan: HeadsScan | None, chain: str) -> dict[int, Sequence[ExternalHead]]:
    return {} if scan is None else scan.heads.get(chain, {})
