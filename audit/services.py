"""Writing the audit records, verifying their chains, and handling alerts.

``access_log_write`` is the single entry point every selector calls when it reads personal
data; ``auth_event_write`` records sign-in, sign-out and access-right events. Each appends one
row with one SQL statement: an access-log row is a plain INSERT (``access_log_seal``, every
minute and before each verification, chains the committed rows); an authentication event is
chained at once (advisory lock, read of the last row, INSERT), and that lock is held until the
caller's transaction ends, so call ``auth_event_write`` as the last write of a transaction and
keep it short. Neither opens a transaction of its own: called inside the caller's transaction,
the row commits or rolls back with the read or change it records. If the row cannot be written
the caller fails with it: no log, no data.

A selector that composes other selectors (a page made of several reads, each writing its own row:
the person overview and its sections) opens ``access_log_batch()`` around them: every
``access_log_write`` inside it checks its row at once and queues it, and the batch writes all its
rows with one statement when it closes, before the composing selector returns anything. Rows,
functions, persons and flags are those the selectors would have written one by one.

Exception messages here never quote the values they refuse (they may be personal data).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from audit.chain import (
    ACCESS,
    CHAINS,
    GENESIS,
    Break,
    BreakKind,
    VerifyResult,
    checkpoint_message,
    local_time,
    rows_of,
    verify_rows,
)
from audit.heads import HEADS, LABEL as HEADS_LABEL, HeadsScan, heads_for, heads_path, heads_read, heads_record
from audit.models import AccessLogEntry, AuditAlert, AuthEvent, ChainCheckpoint
from kaigo.errors import InvalidState, NotPermitted
from kaigo.staff.roles import has_permission
from kaigo.terminal import terminal_of

logger = logging.getLogger(__name__)

FUNCTION_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
CRITERIA_KIND_PATTERN = re.compile(r"[a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*")
MAX_PERSON_ID = 2**63 - 1
DETAIL_MAX_STRING = 200
ACCESS_CHANNELS = frozenset(AccessLogEntry.Channel.values)  # the enum's .values builds a new list on every call
USERNAME_HASH_SALT = "kaigo.audit.attempted-username"

ACCESS_APPEND_SQL = (  # the new row's id only: every page appends one row, and reading it back cost time
    "SELECT id FROM audit_access_append(%s::bigint, %s::text, %s::inet, %s::text, %s::text, %s::text, %s::text,"
    " %s::bigint[], %s::integer, %s::text, %s::text)"
)
AUTH_APPEND_SQL = (
    "SELECT * FROM audit_auth_append(%s::text, %s::bigint, %s::text, %s::text, %s::inet, %s::text, %s::text,"
    " %s::jsonb)"
)


def _actor_fields(actor) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()


def _clean_person_ids(person_ids: Sequence[int]) -> list[int]:
    cleaned: dict[int, None] = {}
    for value in person_ids:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PERSON_ID:
            raise ValueError("person_ids must be internal resident numbers (positive integers)")
        cleaned[value] = None
    return list(cleaned)  # each person once, in the order given


def access_append_sql(rows: int) -> str:
    """One statement appending ``rows`` access-log rows through the append function, in order
    (each arm of the UNION ALL is the one-row statement; the function is the only way in)."""
    if rows < 1:
        raise ValueError("at least one row")
    return " UNION ALL ".join([ACCESS_APPEND_SQL] * rows)


class AccessLogBatch:
    """The access-log rows queued by ``access_log_write`` while ``access_log_batch()`` is open:
    each row's parameters, already checked."""

    def __init__(self) -> None:
        self.rows: list[list] = []

    def flush(self) -> list[int]:
        """Write the queued rows with one statement; their ids, in order."""
        rows, self.rows = self.rows, []
        if not rows:
            return []
        with connection.cursor() as cursor:
            cursor.execute(access_append_sql(len(rows)), [value for row in rows for value in row])
            return [found[0] for found in cursor.fetchall()]


_batch: ContextVar[AccessLogBatch | None] = ContextVar("access_log_batch", default=None)


@contextmanager
def access_log_batch() -> Iterator[AccessLogBatch]:
    """Write the access-log rows of the reads inside the block with one statement, when the block
    ends (docs/subsystems/audit.md, "One statement for a page's rows").

    For a selector that composes other selectors, each writing its own row (the person overview
    and the sections other apps register): ``access_log_write`` inside the block checks its row
    at once (a refusal raises there) and queues it; the rows are appended when the block ends,
    all with one statement, before the selector returns what it read. So the page pays one round
    trip for its rows and, outside a transaction, one durable commit (the statement is its own
    transaction); inside the caller's transaction they commit or roll back with it. Fail closed:
    if the rows cannot be written the block raises and the selector returns nothing. If the block
    raises (a refusal logged inside it, a failed read), the rows queued so far are still written
    (a refused access is recorded) and the block's exception is what the caller sees.

    A batch opened inside another joins it: the outermost writes every row."""
    if _batch.get() is not None:
        yield _batch.get()
        return
    batch = AccessLogBatch()
    token = _batch.set(batch)
    try:
        yield batch
    except BaseException:
        _batch.reset(token)
        queued = len(batch.rows)
        try:
            batch.flush()
        except Exception as failed:  # noqa: BLE001  (the block's own exception is the one raised; no value logged)
            logger.error("%d access-log rows of a failed read could not be written (%s)", queued,
                         type(failed).__name__)
        raise
    _batch.reset(token)
    batch.flush()


def access_log_write(
    *,
    actor,
    request=None,
    function: str,
    channel: str,
    person_ids: Sequence[int],
    hits: int | None = None,
    criteria_kind: str = "",
    purpose: str = "",
) -> int | None:
    """Record one read of personal data: who, from where, which function, which persons.
    Returns the new row's id; inside ``access_log_batch()`` the row is checked and queued, written
    when the batch ends, and None is returned.

    A list or search showing many persons is one call with all their internal numbers.
    ``criteria_kind`` names the kinds of search criteria used ("kana_name,birth_date"), never
    their values; ``hits`` is the number of persons the search found (or showed).
    """
    if not isinstance(function, str) or len(function) > 64 or not FUNCTION_PATTERN.fullmatch(function):
        raise ValueError("function must be a code such as 'person.search'")
    if channel not in ACCESS_CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(AccessLogEntry.Channel.values)}")
    ids = _clean_person_ids(person_ids)
    if hits is not None and (isinstance(hits, bool) or not isinstance(hits, int) or not 0 <= hits < 2**31):
        raise ValueError("hits must be a non-negative integer or None")
    if criteria_kind and (len(criteria_kind) > 100 or not CRITERIA_KIND_PATTERN.fullmatch(criteria_kind)):
        raise ValueError("criteria_kind must name the kinds of criteria (e.g. 'kana_name'), never their values")
    purpose = (purpose or "").strip()
    if len(purpose) > 200:
        raise ValueError("purpose must be at most 200 characters")
    staff_id, username = _actor_fields(actor)
    terminal = terminal_of(request)
    params = [staff_id, username, terminal.client_ip, terminal.terminal_id, terminal.session_hash,
              function, channel, ids, hits, criteria_kind, purpose]
    batch = _batch.get()
    if batch is not None:
        batch.rows.append(params)
        return None
    with connection.cursor() as cursor:
        cursor.execute(ACCESS_APPEND_SQL, params)
        return cursor.fetchone()[0]


def _clean_detail(detail: Mapping | None) -> dict:
    detail = dict(detail or {})
    for key, value in detail.items():
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise ValueError("detail keys must be codes such as 'role'")
        if value is not None and not isinstance(value, (str, int, bool)):
            raise ValueError("detail values must be codes, numbers, booleans or None")
        if isinstance(value, str) and len(value) > DETAIL_MAX_STRING:
            raise ValueError(f"detail strings must be at most {DETAIL_MAX_STRING} characters")
    return detail


def auth_event_write(
    *,
    kind: str,
    actor=None,
    request=None,
    username: str | None = None,
    username_hash: str = "",
    detail: Mapping | None = None,
) -> AuthEvent:
    """Record a sign-in, sign-out, failed sign-in, access-right change or key operation.

    ``actor`` is who acted; ``username`` defaults to the actor's. ``detail`` holds codes and
    internal ids only (a role code, a grant id, a key version), never personal data.
    """
    if kind not in AuthEvent.Kind.values:
        raise ValueError(f"kind must be one of {', '.join(AuthEvent.Kind.values)}")
    staff_id, actor_username = _actor_fields(actor)
    terminal = terminal_of(request)
    params = [kind, staff_id, actor_username if username is None else username, username_hash,
              terminal.client_ip, terminal.terminal_id, terminal.session_hash,
              json.dumps(_clean_detail(detail), ensure_ascii=False, sort_keys=True)]
    return AuthEvent.objects.raw(AUTH_APPEND_SQL, params)[0]


def attempted_username_hash(typed: str) -> str:
    """Keyed hash of a user name typed at a failed sign-in: repeated attempts with the same text
    can be correlated, the text itself cannot be read back (it may be a mistyped password)."""
    return salted_hmac(USERNAME_HASH_SALT, typed, algorithm="sha256").hexdigest()


def auth_event_login_failed(*, attempted_username: str | None, request=None) -> AuthEvent:
    """A failed sign-in. The typed name is kept only if it names an existing account."""
    typed = attempted_username or ""
    account = get_user_model().objects.filter(username=typed).first() if typed else None
    if account is not None:
        return auth_event_write(kind=AuthEvent.Kind.LOGIN_FAILED, actor=account, request=request)
    return auth_event_write(
        kind=AuthEvent.Kind.LOGIN_FAILED, actor=None, request=request, username="",
        username_hash=attempted_username_hash(typed) if typed else "",
    )


# --- verification ------------------------------------------------------------------------------

VERIFY_BATCH_SIZE = 10_000


def _stream_rows(sql: str, batch_size: int):
    """The rows of ``sql`` through a server-side cursor, ``batch_size`` at a time (needs a transaction)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(batch_size):
            yield from batch


SEAL_WINDOW = timedelta(minutes=5)  # the minute job looks back this far for rows without a link
SEAL_LIMIT = 100_000  # rows sealed by one call at most (a call holds the sealer's lock)


def access_log_seal(*, window: timedelta | None = SEAL_WINDOW, limit: int = SEAL_LIMIT) -> int:
    """Chain the committed access-log rows created within ``window`` (None: all of them) that
    have no link yet, in id order; returns how many. One sealer at a time (the chain's advisory
    lock); runs in the caller's transaction (READ COMMITTED), or as its own statement.

    A row that commits after a pass has gone by (a long transaction) is sealed by a later pass
    while it is younger than ``window``, and in any case by the full pass before each
    verification. Until its row is sealed, a deletion of it by someone able to bypass the
    append-only trigger leaves no trace: the sealing interval (a minute) is that window.

    Once the pass's transaction has committed, the chains' heads are written outside the
    database (``audit.heads.heads_record``; at once when called outside a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_access_seal(%s, %s)", [window, limit])
        sealed = cursor.fetchone()[0]
    transaction.on_commit(heads_record)
    return sealed


_READ = object()  # chain_verify reads the heads file itself


def chain_verify(
    *, chain: str, batch_size: int = VERIFY_BATCH_SIZE, max_breaks: int = 100, record_checkpoint: bool = True,
    heads: HeadsScan | None | object = _READ,
) -> VerifyResult:
    """Walk one chain in seq order, recompute every hash, and compare with earlier checkpoints and
    with the heads written outside the database (``heads``: the heads file as read by
    ``heads_verify``; by default read here; None: none).

    The access log is sealed first (every committed row, however old), unless
    ``record_checkpoint`` is false (a read-only standby can write neither); the pass writes its
    head outside the database. Reads in one REPEATABLE READ, READ ONLY snapshot (rows appended
    meanwhile are left for the next run), taken after the heads file was read, so that every head
    it holds names a link the snapshot can see; then records the head it saw as a new checkpoint
    (with the heads file's last record as anchor), unless ``record_checkpoint`` is false.
    """
    spec = CHAINS[chain]
    if record_checkpoint:
        if chain == ACCESS.name:
            while access_log_seal(window=None, limit=SEAL_LIMIT) == SEAL_LIMIT:
                pass
        else:
            transaction.on_commit(heads_record)  # this chain's head as the verification finds it
    if heads is _READ:
        path = heads_path()
        heads = heads_read(path) if path is not None else None
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        checkpoints, forged = checkpoints_verified(chain)
        result = verify_rows(
            spec, rows_of(_stream_rows(spec.select_sql(), batch_size)), checkpoints=checkpoints,
            heads=heads_for(heads, chain), max_breaks=max_breaks,
        )
        result.breaks = [_where_now(spec, found) if found.kind == BreakKind.RESEALED else found
                         for found in result.breaks]
    for found in forged:
        result.breaks_total += 1
        if len(result.breaks) < max_breaks:
            result.breaks.append(found)
    signature = b""
    if record_checkpoint:
        anchor = (heads.last.record, heads.last.signature) if heads is not None and heads.last is not None else None
        signature = checkpoint_record(chain, result, heads_anchor=anchor).signature or b""
    # The head's hash (and the checkpoint's signature) in the log: copied to the log server, they
    # anchor the chain outside the database.
    logger.info(
        "audit chain %s verified: rows=%d head_seq=%d head_hash=%s breaks=%d signature=%s",
        chain, result.rows, result.head_seq, result.head_hash.hex(), result.breaks_total, bytes(signature).hex(),
    )
    return result


def _where_now(spec, found: Break) -> Break:
    """A re-sealed head: say where the row the head named is now (its seq, or that it is gone)."""
    row_id = found.head_row_id
    if row_id is None:
        return found
    with connection.cursor() as cursor:
        if spec.name == ACCESS.name:
            cursor.execute("SELECT (SELECT seq FROM audit_accessseal WHERE entry_id = %s),"
                           " EXISTS (SELECT 1 FROM audit_accesslogentry WHERE id = %s)", [row_id, row_id])
        else:
            cursor.execute("SELECT seq, true FROM audit_authevent WHERE id = %s", [row_id])
        seq, exists = cursor.fetchone() or (None, False)
    if not exists:
        now = f"id {row_id} の行はもうありません（削除）。"
    elif seq is None:
        now = f"id {row_id} の行は残っていますが、封印されていません。"
    else:
        now = f"id {row_id} の行は現在 seq {seq} にあります。"
    return replace(found, message=found.message + now)


def heads_verify(*, path: Path | str | None = None, existed: bool | None = None,
                 max_breaks: int = 100) -> tuple[HeadsScan | None, VerifyResult | None]:
    """Read the heads file and check it as a file: every record signed, each following the one
    before it, and the last record an earlier verification saw (the latest trusted checkpoint's
    anchor) still there. ``existed``: whether the file was there before this verification's own
    sealing pass (which starts a new one when it is gone).

    Returns the scan (for ``chain_verify``) and the findings about the file, reported under the
    name "heads"; (None, None) without a heads file configured, and no findings (None) while there
    is no file and no verification has seen one yet (a new installation)."""
    path = Path(path) if path else heads_path()
    if path is None:
        return None, None
    anchor = heads_anchor()
    scan = heads_read(path, anchor=(anchor[2], anchor[3]) if anchor else None)
    if not scan.exists and anchor is None:
        return scan, None
    result = VerifyResult(chain=HEADS, rows=scan.records, head_seq=scan.last.record if scan.last else 0,
                          head_hash=GENESIS)

    def report(kind: str, seq: int, message: str) -> None:
        result.breaks_total += 1
        if len(result.breaks) < max_breaks:
            result.breaks.append(Break(HEADS, kind, seq, None, message))

    if anchor is not None:
        checkpoint_id, created_at, record, _ = anchor
        seen = f"検証記録 {checkpoint_id}（{local_time(created_at)}）では記録 {record} まで確認しています"
        if not scan.exists or existed is False:
            report(BreakKind.HEADS_MISSING, 0, f"{HEADS_LABEL}のファイル（{path}）がありません（{seen}）。")
        elif scan.readable and not scan.anchor_found:
            report(BreakKind.HEADS_CUT, record,
                   f"{HEADS_LABEL}の記録 {record} がありません（{seen}。ファイルの末尾の削除、またはファイルの作り直し）。")
    for found in scan.problems:
        report(found.kind, found.seq, found.message)
    result.breaks_total += scan.problems_total - len(scan.problems)
    return scan, result


def verify_all(*, chains: Iterable[str] | None = None, batch_size: int = VERIFY_BATCH_SIZE, max_breaks: int = 100,
               record_checkpoint: bool = True, heads_file: Path | str | None = None) -> list[VerifyResult]:
    """Verify the chains (default: all) against their checkpoints and the heads file, and the heads
    file itself; the file's findings come last, under the name "heads" (when there is one to check).

    ``heads_file``: check against this copy of the heads file (one fetched back from the machine it
    was shipped to) instead of the configured one; its last record is then not recorded as the
    checkpoints' anchor."""
    copy = heads_file is not None
    path = Path(heads_file) if copy else heads_path()
    existed = path.exists() if path is not None and not copy else None
    if record_checkpoint:
        while access_log_seal(window=None, limit=SEAL_LIMIT) == SEAL_LIMIT:
            pass
        transaction.on_commit(heads_record)
    # read before any new checkpoint (whose anchor would be the file's own last record)
    scan, heads_result = heads_verify(path=path, existed=existed, max_breaks=max_breaks)
    if scan is not None and copy:
        scan = replace(scan, last=None)
    results = [chain_verify(chain=chain, batch_size=batch_size, max_breaks=max_breaks,
                            record_checkpoint=record_checkpoint, heads=scan)
               for chain in (chains or list(CHAINS))]
    if heads_result is not None:
        logger.info("audit heads verified: records=%d last=%d breaks=%d", heads_result.rows, heads_result.head_seq,
                    heads_result.breaks_total)
        results.append(heads_result)
    return results


CHECKPOINT_LOCK_CLASS = 0x6B61  # advisory-lock class of the checkpoint recorders ("ka"), one key per chain


def checkpoint_record(chain: str, result: VerifyResult, *, heads_anchor: tuple[int, bytes] | None = None
                      ) -> ChainCheckpoint:
    """Record what a verification saw at the head, signed with the keyring's seal key (if it has
    one) over the checkpoint and the signature of the chain's previous signed checkpoint;
    ``heads_anchor``: the number and signature of the heads file's last record it checked."""
    from kaigo.crypto.keyring import get_keyring

    signer = get_keyring().seal_signer()
    heads_line, heads_signature = heads_anchor if heads_anchor is not None else (None, None)
    with transaction.atomic():
        # one recorder per chain at a time: two verifications signing over the same previous
        # checkpoint would make the later one look like it follows a removed checkpoint
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [CHECKPOINT_LOCK_CLASS, chain])
        created_at = timezone.now()
        version, signature = "", None
        if signer is not None:
            version, key = signer
            previous = (ChainCheckpoint.objects.filter(chain=chain, signature__isnull=False).order_by("-id")
                        .values_list("signature", flat=True).first())
            signature = key.sign(checkpoint_message(
                chain=chain, seq=result.head_seq, row_hash=result.head_hash, rows=result.rows, ok=result.ok,
                created_at=created_at, prev_signature=bytes(previous) if previous is not None else None,
                heads_line=heads_line, heads_signature=heads_signature))
        return ChainCheckpoint.objects.create(
            chain=chain, seq=result.head_seq, row_hash=result.head_hash, rows=result.rows, ok=result.ok,
            created_at=created_at, key_version=version, signature=signature, heads_record=heads_line,
            heads_signature=heads_signature)


def _checkpoints_walk(chain: str) -> Iterator[tuple[tuple, bool, Break | None]]:
    """Every checkpoint of a chain in order, whether it can be trusted, and the finding it is when
    it cannot (a signed one whose signature fails, an unsigned one after a signed one); see
    ``checkpoints_verified``."""
    from cryptography.exceptions import InvalidSignature

    from kaigo.crypto.errors import MissingKey
    from kaigo.crypto.keyring import get_keyring

    ring = get_keyring()
    signing = ring.seal_signer() is not None
    previous: bytes | None = None
    rows = ChainCheckpoint.objects.filter(chain=chain).order_by("id").values_list(
        "id", "seq", "row_hash", "rows", "ok", "created_at", "key_version", "signature", "heads_record",
        "heads_signature")
    for row in rows.iterator(chunk_size=2000):
        checkpoint_id, seq, seen, rows_seen, ok, created_at, version, signature, heads_line, heads_signature = row
        if signature is not None:
            message = checkpoint_message(
                chain=chain, seq=seq, row_hash=bytes(seen), rows=rows_seen, ok=ok, created_at=created_at,
                prev_signature=previous, heads_line=heads_line,
                heads_signature=bytes(heads_signature) if heads_signature is not None else None)
            previous = bytes(signature)  # the next one signs over this one, valid or not
            try:
                ring.seal_public(version).verify(bytes(signature), message)
            except (InvalidSignature, MissingKey, ValueError):
                yield row, False, Break(chain, BreakKind.CHECKPOINT, seq, None,
                                        f"検証記録 {checkpoint_id}（seq {seq}）の署名が一致しません（検証記録の書き換え、"
                                        f"またはそれ以前の検証記録の削除）。")
                continue
        elif previous is not None:  # unsigned after a signed one: not how this code records them
            yield row, False, Break(chain, BreakKind.CHECKPOINT, seq, None,
                                    f"検証記録 {checkpoint_id}（seq {seq}）に署名がありません（署名のある検証記録の後の"
                                    f"ため、書き換えまたは差し替えの疑い）。")
            continue
        elif signing:  # from before the seal key: a stripped signature would look the same
            yield row, False, None
            continue
        yield row, True, None


def checkpoints_verified(chain: str) -> tuple[dict[int, set[bytes]], list[Break]]:
    """The heads earlier verifications saw ({seq: hashes}) from the checkpoints that can be
    trusted, and a break for each signed checkpoint whose signature fails (changed, its key
    unknown, or a signed checkpoint before it removed: each signature covers the previous one),
    and for each unsigned checkpoint after a signed one (a replaced one). Unsigned checkpoints
    count as before only while the keyring has no seal key; with one, those from before it are
    passed over (stripping a signature must not turn a checkpoint into a trusted one)."""
    trusted: dict[int, set[bytes]] = {}
    forged: list[Break] = []
    for row, ok, found in _checkpoints_walk(chain):
        if found is not None:
            forged.append(found)
        seq, seen = row[1], row[2]
        if ok and seq > 0:
            trusted.setdefault(seq, set()).add(bytes(seen))
    return trusted, forged


def heads_anchor() -> tuple[int, datetime, int, bytes] | None:
    """The heads file's last record as the latest trusted checkpoint (of any chain) that recorded
    one saw it: (checkpoint id, its time, record number, record signature); None if none did."""
    latest = None
    for chain in CHAINS:
        for row, ok, _ in _checkpoints_walk(chain):
            checkpoint_id, created_at, heads_line, heads_signature = row[0], row[5], row[8], row[9]
            if ok and heads_line is not None and heads_signature is not None and (
                    latest is None or checkpoint_id > latest[0]):
                latest = (checkpoint_id, created_at, heads_line, bytes(heads_signature))
    return latest


def verified_label(name: str) -> str:
    """The Japanese name of what was verified: a chain, or the heads file."""
    return HEADS_LABEL if name == HEADS else CHAINS[name].label


def chains_verify_and_alert(*, batch_size: int = VERIFY_BATCH_SIZE) -> list[VerifyResult]:
    """The nightly check: verify every chain against its checkpoints and the heads outside the
    database, and the heads file itself; log each break as an ERROR and raise an alert for each
    break not alerted before."""
    results = verify_all(batch_size=batch_size)
    for result in results:
        chain = result.chain
        if result.ok:
            continue
        for found in result.breaks:
            logger.error("audit chain %s broken: %s at seq %d (row id %s)", chain, found.kind, found.seq, found.row_id)
        known = set(
            AuditAlert.objects.filter(fingerprint__in=[b.fingerprint for b in result.breaks]).values_list(
                "fingerprint", flat=True
            )
        )
        AuditAlert.objects.bulk_create(
            [
                AuditAlert(
                    kind=AuditAlert.Kind.CHAIN_BROKEN,
                    fingerprint=found.fingerprint,
                    detail=f"{verified_label(chain)}: {found.label}。{found.message}"[:500],
                )
                for found in result.breaks
                if found.fingerprint not in known
            ],
            ignore_conflicts=True,
        )
    return results


def alert_acknowledge(*, alert_id: int, actor) -> AuditAlert:
    """A supervisor confirms having seen an alert (kept: who and when). The role (``audit.view``)
    is checked here; an alert belongs to no ward."""
    if not has_permission(actor, "audit.view"):
        raise NotPermitted("この操作を行う権限がありません。")
    with transaction.atomic(durable=True):
        alert = AuditAlert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise AuditAlert.DoesNotExist
        if alert.acknowledged_at is not None:
            raise InvalidState("この警告は既に確認済みです。")
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    logger.info("audit alert %s acknowledged by staff %s", alert.pk, actor.pk)
    return alert

