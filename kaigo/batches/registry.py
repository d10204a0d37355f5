"""Batch kinds: what a batch does, declared by each app in its ``batch_kinds.py``.

A kind says how to split its work into chunks (``plan``) and how to process one chunk
(``process``). ``process`` runs inside the chunk's transaction with the chunk row locked:
everything it writes commits together with the chunk's "done" mark, or not at all. So a
worker killed mid-chunk leaves nothing behind, and the chunk is simply done again.
Write results with COPY or set-based SQL, keyed uniquely (see docs/subsystems/batches.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from kaigo.documents.wareki import wareki_western
from kaigo.errors import ApplicationError

if TYPE_CHECKING:
    from kaigo.batches.models import BatchChunk, BatchRun


@dataclass(frozen=True)
class ChunkSpec:
    lo: int
    hi: int
    size: int


@dataclass(frozen=True)
class RecordError:
    """A rejected record: its key (an internal number or a line number, never personal data)."""

    record_key: str
    code: str
    message: str  # Japanese, for staff


@dataclass
class ChunkOutcome:
    succeeded: int
    errors: list[RecordError] = field(default_factory=list)


class MissingParams(ApplicationError):
    """A batch started without a parameter it requires: says which (``missing``: name and label)."""

    code = "invalid_params"

    def __init__(self, message: str, *, missing: list[tuple[str, str]]):
        super().__init__(message, code=self.code)
        self.missing = missing


class ConfirmationRequired(ApplicationError):
    """A run that asks the operator to confirm it first (``BatchKind.confirmation``; e.g. a yearly
    run started a second time for the same year): the message says what has been done and what
    this run will do. Refused until started again with ``confirmed=True``."""

    code = "confirmation_required"

    @property
    def token(self) -> str:
        return confirmation_token(self.message)


def confirmation_token(notice: str) -> str:
    """What a screen sends back to confirm ``notice``: its digest, so that a confirmation given for
    one notice (one year, one count) does not start a run whose notice has changed since."""
    return hashlib.sha256(notice.encode()).hexdigest()[:20]


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class BatchKind:
    name: ClassVar[str]
    label: ClassVar[str]  # Japanese, shown in the console
    # A form for the parameters when the kind may be started from the console (None: not startable there).
    form_class: ClassVar[type[forms.Form] | None] = None
    # The parameters a kind without a form cannot run without: name -> Japanese label (with a form,
    # its required fields are the required parameters).
    required_params: ClassVar[dict[str, str]] = {}
    # A kind that exists only to show or test the framework (the demo squares): offered and started
    # only where the data is synthetic (``settings.KAIGO_SYNTHETIC_DATA``), never in production.
    demo_only: ClassVar[bool] = False

    def form(self, data: dict[str, Any] | None = None) -> forms.Form:
        """The kind's parameter form (``form_class``), each required field's message naming the
        field, for the console and for ``clean_params``."""
        form = self.form_class(data=data, label_suffix="")
        for form_field in form.fields.values():
            if form_field.required:
                form_field.error_messages["required"] = f"「{form_field.label}」を入力してください。"
        return form

    def params_known(self) -> dict[str, tuple[str, bool]]:
        """Every parameter the kind declares: name -> (Japanese label, required)."""
        if self.form_class is None:
            return {name: (label, True) for name, label in self.required_params.items()}
        return {name: (str(field.label or name), field.required) for name, field in self.form().fields.items()}

    def missing_params(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        """The required parameters ``params`` lacks (absent or blank), as (name, label)."""
        return [(name, label) for name, (label, required) in self.params_known().items()
                if required and _absent(params.get(name))]

    def clean_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """Validate parameters (raise ApplicationError with a Japanese message; ``MissingParams``,
        naming them, when required ones are missing); return them as stored."""
        missing = self.missing_params(params)
        problems = []
        if missing:
            problems.append("必須のパラメータ" + "".join(f"「{label}」" for _, label in missing) + "が指定されていません。")
        if self.form_class is None:
            if missing:
                raise MissingParams("パラメータが正しくありません。" + " ".join(problems), missing=missing)
            return dict(params)
        form = self.form(params)
        if not form.is_valid():
            missing_names = {name for name, _ in missing}
            problems += [f"{form.fields[f].label if f in form.fields else f}: {' '.join(e)}"
                         for f, e in form.errors.items() if f not in missing_names]
        if missing:
            raise MissingParams("パラメータが正しくありません。" + " / ".join(problems), missing=missing)
        if problems:
            raise ApplicationError("パラメータが正しくありません。" + " / ".join(problems), code="invalid_params")
        return {k: v for k, v in form.cleaned_data.items()}

    def confirmation(self, params: dict[str, Any]) -> str | None:
        """What the operator must confirm before this run starts (Japanese: what was already done
        and what the run will do), or None to start at once. ``params`` are the cleaned ones."""
        return None

    def plan(self, params: dict[str, Any]) -> list[ChunkSpec]:
        raise NotImplementedError

    def process(self, *, run: BatchRun, chunk: BatchChunk) -> ChunkOutcome:
        raise NotImplementedError


class UnknownBatchKind(ApplicationError):
    code = "unknown_batch_kind"


_KINDS: dict[str, BatchKind] = {}


def register(cls: type[BatchKind]) -> type[BatchKind]:
    if cls.name in _KINDS:
        raise RuntimeError(f"batch kind registered twice: {cls.name}")
    _KINDS[cls.name] = cls()
    return cls


def get_kind(name: str) -> BatchKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownBatchKind(f"バッチ種別「{name}」は登録されていません。") from None


def label_of(name: str) -> str:
    kind = _KINDS.get(name)
    return kind.label if kind else name


def kind_offered(kind: BatchKind) -> bool:
    """Whether ``kind`` may be listed and started here: a demo kind only with synthetic data
    (``KAIGO_SYNTHETIC_DATA``, off in production unless set)."""
    return not kind.demo_only or bool(settings.KAIGO_SYNTHETIC_DATA)


def params_shown(kind_name: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """A run's parameters as the console shows them: (Japanese label, value as text) in the order
    the kind declares them, a date as 令和8（2026）年7月1日, a blank one as 「指定なし」; a
    parameter the kind does not declare (an older run's) under 「その他の指定」. Never the stored
    dict itself (issue 16: no internal codes on a screen)."""
    kind = _KINDS.get(kind_name)
    known = kind.params_known() if kind else {}
    shown = [(label, _param_text(params.get(name))) for name, (label, _) in known.items()]
    shown += [("その他の指定", _param_text(value)) for name, value in params.items() if name not in known]
    return shown


def _param_text(value: Any) -> str:
    if _absent(value):
        return "指定なし"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return wareki_western(date.fromisoformat(value))
            moment = datetime.fromisoformat(value)  # a time stored as ISO text: the office's time zone
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment.tzinfo else value
        except ValueError:
            return value
    return str(value)


def all_kinds() -> list[BatchKind]:
    """The kinds that may be listed and started here (demo kinds hidden without synthetic data)."""
    return sorted((k for k in _KINDS.values() if kind_offered(k)), key=lambda k: k.name)


def kind_to_start(name: str) -> BatchKind:
    """The kind of a new run: an unknown kind, or a demo kind without synthetic data, is refused
    with the same message (production does not even say that a demo kind exists)."""
    kind = get_kind(name)
    if not kind_offered(kind):
        raise UnknownBatchKind(f"バッチ種別「{name}」は登録されていません。")
    return kind


def ranges(lo: int, hi: int, chunk_size: int) -> list[ChunkSpec]:
    """Split the key range [lo, hi) into chunks of at most ``chunk_size`` keys."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    return [ChunkSpec(start, min(start + chunk_size, hi), min(start + chunk_size, hi) - start) for start in range(lo, hi, chunk_size)]


# --- the chunk's context -------------------------------------------------------------------------
# Every chunk's ``process`` runs inside a context that another app provides: the audit app's
# change-trail context (audit/receivers.py ``batch_chunk_trail``, provided from its
# AppConfig.ready), so that every change a chunk makes, COPY included, carries the run's id, its
# kind as the function and its operator. The core imports no app, hence this hook. It fails
# closed: without a provider a chunk refuses to run rather than write changes that the trail
# could not attribute to their run.

ChunkContext = Callable[["BatchRun"], AbstractContextManager[Any]]
_chunk_context: ChunkContext | None = None


def chunk_context_provide(provider: ChunkContext) -> None:
    """Set the context every chunk runs in (once; providing the same one again is a no-op)."""
    global _chunk_context
    if _chunk_context is not None and _chunk_context is not provider:
        raise RuntimeError("the batches' chunk context is provided twice")
    _chunk_context = provider


def chunk_context(run: BatchRun) -> AbstractContextManager[Any]:
    """The context a chunk of ``run`` runs in, inside the chunk's transaction."""
    if _chunk_context is None:
        raise ImproperlyConfigured(
            "no chunk context is provided: the audit app provides it in its AppConfig.ready "
            "(audit/receivers.py); is 'audit' in INSTALLED_APPS?"
        )
    return _chunk_context(run)
