"""The hash chains: their canonical form in Python, and the walk that verifies a chain.

The rows are hashed by PostgreSQL when they are appended (migration 0002). This module
re-implements the same canonical form independently, so that verification does not trust the
database's functions, and a test checks that both give the same bytes.

Canonical form of a row: a sequence of fields, each encoded as a 4-byte big-endian signed
length followed by that many bytes (NULL: length -1, no bytes):

- text: UTF-8;
- integers: 8 bytes, big-endian two's complement;
- timestamps: the UTC time as text ``YYYY-MM-DDTHH:MM:SS.ffffffZ``;
- arrays of integers: the 8-byte forms of the elements, in order, as one field;
- inet: PostgreSQL's text form ``inet::text``, with the prefix length (``203.0.113.7/32``); jsonb: PostgreSQL's text form (``jsonb::text``).

The first field is the chain's tag (``kaigo.audit.access.v1`` / ``kaigo.audit.auth.v1``), then
the row's columns in the order of ``ChainSpec.columns``.
``row_hash = SHA-256(prev_hash || canonical)``; ``prev_hash`` of seq 1 is 32 zero bytes.

The access log's links are rows of ``audit_accessseal`` (written by the sealing job, in the order
it found the committed rows); its seq and hashes come from there, the other columns from the
access-log row the link names. An authentication event carries its own link.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

GENESIS = bytes(32)
NULL_FIELD = struct.pack(">i", -1)


def enc_field(value: bytes | None) -> bytes:
    if value is None:
        return NULL_FIELD
    return struct.pack(">i", len(value)) + value


def enc_text(value: str | None) -> bytes:
    return enc_field(None if value is None else value.encode("utf-8"))


def enc_int(value: int | None) -> bytes:
    return enc_field(None if value is None else struct.pack(">q", value))


def enc_ts(value: datetime | None) -> bytes:
    if value is None:
        return NULL_FIELD
    return enc_text(value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def enc_int_array(value: Sequence[int] | None) -> bytes:
    if value is None:
        return NULL_FIELD
    return enc_field(b"".join(struct.pack(">q", v) for v in value))


@dataclass(frozen=True)
class ChainSpec:
    """One chain: its table, tag, lock key, and the columns of its canonical form in order."""

    name: str  # "access" | "auth": the Chain choice
    label: str  # Japanese, for supervisors and the command's output
    table: str
    tag: str
    lock_key: int
    # (SQL expression selecting the column, encoder); id and seq must be the first two.
    columns: tuple[tuple[str, Callable], ...]
    # where the links are: the rows themselves, or a link table joined to the rows
    source: str = ""
    seq_column: str = "seq"
    hash_columns: str = "prev_hash, row_hash"
    # ids increase with seq (the row got its link when it was appended, under the chain's lock);
    # false for links sealed later, which follow the order of commits
    ids_follow_seq: bool = True

    @property
    def names(self) -> list[str]:
        """The fields of the canonical form by name: id, seq, then the row's columns."""
        return ["id", "seq", *(expr.split(".")[-1].split("::")[0].strip('"') for expr, _ in self.columns[2:])]

    def canonical(self, values: Sequence) -> bytes:
        return enc_text(self.tag) + b"".join(encode(v) for (_, encode), v in zip(self.columns, values, strict=True))

    def select_sql(self, where: str = "") -> str:
        """Every link in seq order (``where``: a condition instead, for one row)."""
        exprs = ", ".join(expr for expr, _ in self.columns)
        tail = f"WHERE {where}" if where else f"ORDER BY {self.seq_column}"
        return f"SELECT {exprs}, {self.hash_columns} FROM {self.source or self.table} {tail}"


ACCESS = ChainSpec(
    name="access",
    label="アクセス記録",
    table="audit_accesslogentry",
    tag="kaigo.audit.access.v1",
    lock_key=0x6B6169676F0001,  # the sealer's
    columns=(
        ("s.entry_id", enc_int),
        ("s.seq", enc_int),
        ("e.created_at", enc_ts),
        ("e.staff_id", enc_int),
        ("e.username", enc_text),
        ("e.client_ip::text", enc_text),
        ("e.terminal_id", enc_text),
        ("e.session_hash", enc_text),
        ('e."function"', enc_text),
        ("e.channel", enc_text),
        ("e.person_ids", enc_int_array),
        ("e.hits", enc_int),
        ("e.criteria_kind", enc_text),
        ("e.purpose", enc_text),
    ),
    source="audit_accessseal s LEFT JOIN audit_accesslogentry e ON e.id = s.entry_id",
    seq_column="s.seq",
    hash_columns="s.prev_hash, s.row_hash",
    ids_follow_seq=False,
)

AUTH = ChainSpec(
    name="auth",
    label="認証・権限の記録",
    table="audit_authevent",
    tag="kaigo.audit.auth.v1",
    lock_key=0x6B6169676F0002,
    columns=(
        ("id", enc_int),
        ("seq", enc_int),
        ("created_at", enc_ts),
        ("kind", enc_text),
        ("staff_id", enc_int),
        ("username", enc_text),
        ("username_hash", enc_text),
        ("client_ip::text", enc_text),
        ("terminal_id", enc_text),
        ("session_hash", enc_text),
        ("detail::text", enc_text),
    ),
)

CHAINS: dict[str, ChainSpec] = {ACCESS.name: ACCESS, AUTH.name: AUTH}


def row_hash(spec: ChainSpec, prev_hash: bytes, values: Sequence) -> bytes:
    return hashlib.sha256(bytes(prev_hash) + spec.canonical(values)).digest()


# --- verification ------------------------------------------------------------------------------


class BreakKind:
    DELETED = "deleted"  # a gap in seq: rows removed
    ALTERED = "altered"  # the row's hash does not match its contents
    REORDERED = "reordered"  # id order disagrees with seq order (rows renumbered)
    LINK = "link"  # prev_hash is not the previous row's row_hash (a re-hashed or inserted row)
    TRUNCATED = "truncated"  # the chain ends before the head an earlier verification saw
    REWRITTEN = "rewritten"  # the row an earlier verification saw at the head has another hash now
    CHECKPOINT = "checkpoint"  # a signed checkpoint that does not verify (changed, or one before it removed)
    # Against the heads written outside the database by every sealing pass (audit/heads.py):
    EMPTIED = "emptied"  # the chain has no rows, the heads say it had (TRUNCATE, or every row deleted)
    RESEALED = "resealed"  # at a head's seq another row now: rows deleted, inserted or moved and re-sealed
    REHASHED = "rehashed"  # at a head's seq the same row with another hash: a row changed, the chain recomputed
    # The heads file itself (reported under the name "heads", seq: the file's line):
    HEADS_MISSING = "heads_missing"  # the file is gone although a verification saw it
    HEADS_UNREADABLE = "heads_unreadable"  # the file or a line of it cannot be read
    HEADS_FORGED = "heads_forged"  # a line whose signature does not verify
    HEADS_GAP = "heads_gap"  # records missing between two lines (each signs the one before it)
    HEADS_CUT = "heads_cut"  # the last record an earlier verification saw is gone (tail cut, file replaced)


BREAK_LABELS = {
    BreakKind.DELETED: "行の削除",
    BreakKind.ALTERED: "行の変更",
    BreakKind.REORDERED: "行の並べ替え",
    BreakKind.LINK: "連鎖の断絶",
    BreakKind.TRUNCATED: "末尾の行の削除",
    BreakKind.REWRITTEN: "検証済みの行の書き換え",
    BreakKind.CHECKPOINT: "検証記録の改ざん",
    BreakKind.EMPTIED: "全行の消去",
    BreakKind.RESEALED: "行の削除・挿入と再封印",
    BreakKind.REHASHED: "行の変更と連鎖の再計算",
    BreakKind.HEADS_MISSING: "外部記録の紛失",
    BreakKind.HEADS_UNREADABLE: "外部記録の読取不能",
    BreakKind.HEADS_FORGED: "外部記録の改ざん",
    BreakKind.HEADS_GAP: "外部記録の行の削除",
    BreakKind.HEADS_CUT: "外部記録の末尾の削除",
}

CHECKPOINT_TAG = "kaigo.audit.checkpoint.v1"


CHECKPOINT_TAG_V2 = "kaigo.audit.checkpoint.v2"


def checkpoint_message(*, chain: str, seq: int, row_hash: bytes, rows: int, ok: bool, created_at: datetime,
                       prev_signature: bytes | None, heads_line: int | None = None,
                       heads_signature: bytes | None = None) -> bytes:
    """The bytes a checkpoint's signature covers: what the verification saw, when, and the
    signature of the chain's previous signed checkpoint (so that removing one breaks the next).

    A checkpoint that also anchors the heads file (the number and signature of its last record the
    verification checked) is signed in the v2 form, which adds those two; one without is the v1
    form, byte for byte, so the checkpoints signed before the heads existed verify unchanged."""
    body = (enc_text(chain) + enc_int(seq) + enc_field(row_hash) + enc_int(rows) + enc_int(1 if ok else 0)
            + enc_ts(created_at) + enc_field(prev_signature or b""))
    if heads_line is None and heads_signature is None:
        return enc_text(CHECKPOINT_TAG) + body
    return enc_text(CHECKPOINT_TAG_V2) + body + enc_int(heads_line) + enc_field(heads_signature or b"")


# --- heads outside the database ------------------------------------------------------------------

HEAD_TAG = "kaigo.audit.head.v1"


@dataclass(frozen=True)
class ChainHead:
    """A chain's last link as a sealing pass left it: seq, the row's id, its hash, when it was made
    (the seal's time; an authentication event's own time). Seq 0: the chain was empty."""

    chain: str
    seq: int
    row_id: int | None
    row_hash: bytes
    linked_at: datetime | None


def head_message(*, record: int, written_at: datetime, heads: Sequence[ChainHead], prev_signature: bytes) -> bytes:
    """The bytes the signature of one record of the heads file covers: its number, when it was
    written, each chain's head, and the signature of the record before it (empty for record 1), so
    that removing or changing a record breaks the next one."""
    out = enc_text(HEAD_TAG) + enc_int(record) + enc_ts(written_at) + enc_int(len(heads))
    for head in heads:
        out += (enc_text(head.chain) + enc_int(head.seq) + enc_int(head.row_id) + enc_field(head.row_hash)
                + enc_ts(head.linked_at))
    return out + enc_field(prev_signature)


@dataclass(frozen=True, slots=True)
class ExternalHead:
    """A head of one chain read from the heads file, for the walk."""

    seq: int
    row_id: int | None
    row_hash: bytes
    line: int  # the line of the heads file
    written_at: datetime
    after_regression: bool = False  # written after a record in which the chain was longer


@dataclass(frozen=True)
class Break:
    chain: str
    kind: str
    seq: int  # the seq where the chain breaks (for deleted/truncated: the first missing seq)
    row_id: int | None  # the row found there (for deleted: the row after the gap; None if none)
    message: str  # Japanese; seq and ids only, never the row's contents
    head_row_id: int | None = None  # resealed: the row a head outside the database named at this seq

    @property
    def fingerprint(self) -> str:
        return f"{self.chain}:{self.kind}:{self.seq}:{self.row_id if self.row_id is not None else '-'}"

    @property
    def label(self) -> str:
        return BREAK_LABELS[self.kind]


@dataclass
class VerifyResult:
    chain: str
    rows: int = 0
    head_seq: int = 0
    head_hash: bytes = GENESIS
    breaks: list[Break] = field(default_factory=list)
    breaks_total: int = 0  # may exceed len(breaks) when capped

    @property
    def ok(self) -> bool:
        return self.breaks_total == 0


@dataclass(frozen=True)
class Row:
    id: int
    seq: int
    values: tuple  # the canonical columns, id and seq first
    prev_hash: bytes
    row_hash: bytes

    @property
    def missing(self) -> bool:
        """A link whose row is gone (every row has its creation time)."""
        return self.values[2] is None


def rows_of(tuples: Iterable[Sequence]) -> Iterator[Row]:
    """Rows from the tuples of ``ChainSpec.select_sql()``."""
    for t in tuples:
        *values, prev_hash, stored_hash = t
        yield Row(id=values[0], seq=values[1], values=tuple(values), prev_hash=bytes(prev_hash),
                  row_hash=bytes(stored_hash))


def verify_rows(
    spec: ChainSpec,
    rows: Iterable[Row],
    *,
    checkpoints: Mapping[int, Collection[bytes]] | None = None,
    heads: Mapping[int, Sequence[ExternalHead]] | None = None,
    max_breaks: int = 100,
) -> VerifyResult:
    """Walk ``rows`` (in seq order) and report every break, the first one first.

    After a break the walk goes on from the stored hashes, so one tampered row gives one
    finding, and later tampering elsewhere is reported too. ``checkpoints`` maps each seq that
    an earlier verification saw at the head to the row_hash(es) it saw there; ``heads`` maps each
    seq that a sealing pass wrote outside the database to those heads (audit/heads.py).

    Against the heads: the first head whose seq now holds another hash is reported (later ones
    disagree as a consequence), named ``rehashed`` when the same row is still there (a row at or
    before it was changed and the chain recomputed) or ``resealed`` when another row is (rows were
    deleted, inserted or moved and the chain sealed again), with the range since the last head that
    still agrees. A chain shorter than the highest head is ``truncated`` (``emptied`` when no row is
    left). A head written after the chain had once been longer (a regression in the file) can still
    disagree, but does not narrow a range: it may have been written after the tampering.
    """
    result = VerifyResult(chain=spec.name)
    checkpoints = {seq: hashes for seq, hashes in (checkpoints or {}).items() if seq > 0}
    heads = {seq: found for seq, found in (heads or {}).items() if seq > 0}
    agreed = {"seq": 0}  # the highest seq at which a head (written before any regression) agrees
    diverged = {"at": None}

    def report(kind: str, seq: int, row_id: int | None, message: str, head_row_id: int | None = None) -> None:
        result.breaks_total += 1
        if len(result.breaks) < max_breaks:
            result.breaks.append(Break(spec.name, kind, seq, row_id, message, head_row_id))

    def check(prev: Row | None, cur: Row, nxt: Row | None, prev_flagged: bool) -> bool:
        """Report the breaks at ``cur``; true when ``cur`` itself was found altered or moved."""
        expected_seq = prev.seq + 1 if prev else 1
        expected_prev_hash = prev.row_hash if prev else GENESIS
        hash_ok = cur.missing or row_hash(spec, cur.prev_hash, cur.values) == cur.row_hash
        out_of_order = spec.ids_follow_seq and (
            (prev is not None and cur.id <= prev.id) or (nxt is not None and cur.id >= nxt.id))
        where = f"seq {cur.seq}（id {cur.id}）"
        if cur.missing:  # the link is there, its row is not
            report(BreakKind.DELETED, cur.seq, cur.id, f"{where}の行がありません（削除）。連鎖には記録されています。")
        if cur.seq != expected_seq:
            missing = f"seq {expected_seq}" if cur.seq == expected_seq + 1 else f"seq {expected_seq}〜{cur.seq - 1}"
            report(BreakKind.DELETED, expected_seq, cur.id,
                   f"{missing} がありません（削除）。欠落の次の行は {where}です。")
            link_ok = True  # the gap explains the link; the row itself is still checked
        else:
            # A row right after one found altered or moved may not link to it: already reported.
            link_ok = cur.prev_hash == expected_prev_hash or prev_flagged
        flagged = True
        if not hash_ok:
            if out_of_order:
                report(BreakKind.REORDERED, cur.seq, cur.id,
                       f"{where}の位置が入れ替えられています（id の順序と連番が一致せず、ハッシュも一致しません）。")
            else:
                report(BreakKind.ALTERED, cur.seq, cur.id,
                       f"{where}の内容が変更されています（保存されたハッシュと再計算したハッシュが一致しません）。")
        elif not link_ok:
            if out_of_order:
                report(BreakKind.REORDERED, cur.seq, cur.id,
                       f"{where}の位置が入れ替えられています（id の順序と連番が一致しません）。")
            elif prev is None:
                report(BreakKind.LINK, cur.seq, cur.id, f"{where}の直前ハッシュが連鎖の初期値（ゼロ）ではありません。")
            else:
                report(BreakKind.LINK, cur.seq, cur.id,
                       f"{where}の直前ハッシュが seq {prev.seq}（id {prev.id}）の行ハッシュと一致しません"
                       f"（seq {prev.seq} が変更後に再計算されたか、{where}が挿入されました）。")
        elif out_of_order:
            report(BreakKind.REORDERED, cur.seq, cur.id,
                   f"{where}の id の順序が連番と一致しません（行の付け替え）。")
        else:
            flagged = False
        if any(seen != cur.row_hash for seen in checkpoints.get(cur.seq, ())):
            report(BreakKind.REWRITTEN, cur.seq, cur.id,
                   f"{where}のハッシュが以前の検証時と異なります（検証後に連鎖が書き換えられました）。")
        check_heads(cur, where)
        return flagged

    def check_heads(cur: Row, where: str) -> None:
        found = heads.get(cur.seq, ())
        differing = [head for head in found if head.row_hash != cur.row_hash]
        if differing and diverged["at"] is None:
            diverged["at"] = cur.seq
            head = differing[0]
            first = agreed["seq"] + 1
            span = f"seq {first}" if first == cur.seq else f"seq {first}〜{cur.seq}"
            source = f"外部記録 {head.line} 行目（{local_time(head.written_at)}）"
            if head.row_id == cur.id:
                report(BreakKind.REHASHED, cur.seq, cur.id,
                       f"{where}のハッシュが{source}と異なります。行は同じため、{span} のいずれかの行が変更され、"
                       f"連鎖のハッシュが計算し直されています。")
            else:
                report(BreakKind.RESEALED, cur.seq, cur.id,
                       f"{source}では seq {cur.seq} は id {head.row_id} の行でしたが、現在は id {cur.id} の行です。"
                       f"{span} の間で行が削除・挿入または並べ替えられ、連鎖が封印し直されています（再封印）。",
                       head.row_id)
        if any(head.row_hash == cur.row_hash and not head.after_regression for head in found) and not differing:
            agreed["seq"] = cur.seq

    prev: Row | None = None
    cur: Row | None = None
    flagged = False
    for nxt in rows:
        result.rows += 1
        if cur is not None:
            flagged = check(prev, cur, nxt, flagged)
            prev = cur
        cur = nxt
    if cur is not None:
        check(prev, cur, None, flagged)
        result.head_seq, result.head_hash = cur.seq, cur.row_hash
    highest_seen = max(checkpoints, default=0)
    highest_head = max(heads, default=0)
    highest = max(highest_seen, highest_head)
    if highest > result.head_seq:
        first_missing = result.head_seq + 1
        missing = f"seq {first_missing}" if first_missing == highest else f"seq {first_missing}〜{highest}"
        if highest_head > highest_seen:
            head = max(heads[highest_head], key=lambda h: h.line)
            source = f"外部記録 {head.line} 行目（{local_time(head.written_at)}）では seq {highest_head} まであった"
        else:
            source = f"以前の検証時には seq {highest_seen} まであった"
        if result.rows == 0:
            report(BreakKind.EMPTIED, 1, None,
                   f"{missing} の全行がありません（{source}記録の全消去: テーブルの切り詰め（TRUNCATE）または全行の削除）。")
        else:
            report(BreakKind.TRUNCATED, first_missing, None, f"{missing} がありません（{source}末尾の行の削除）。")
    return result


def local_time(moment: datetime) -> str:
    """A time for staff: Japan time to the second."""
    return moment.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M:%S")
