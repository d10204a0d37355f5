"""A simulator of the bank's return of a 総合振込 file (振込結果), for development and tests: the
file the city sent, each data record's 振込結果コード filled in (kaigo.bank.zengin's layout, the
same code that writes and reads the real file). Imports core only; nothing imports it but tests
and the operator's command."""

from __future__ import annotations

import random

from kaigo.bank.zengin import DEFAULT_PROFILE, NEWLINE, BankProfile, TransferResult


def bank_return(sent: bytes, *, failures: dict[int, str] | None = None, failure_rate: float = 0.0, seed: int = 1,
                profile: BankProfile = DEFAULT_PROFILE) -> bytes:
    """The bank's return of ``sent``: every transfer done (0), but those whose 顧客コード1 is in
    ``failures`` (reference -> result code) and, at random, ``failure_rate`` of the others (口座なし)."""
    failures = failures or {}
    rng = random.Random(seed)
    fields = profile.layout.data
    ref_at = sum(f.width for f in fields[:[f.name for f in fields].index("customer_code1")])
    result_at = sum(f.width for f in fields[:[f.name for f in fields].index("result")])
    out = []
    for line in sent.split(NEWLINE):
        if line[:1] == b"2":
            reference = int(line[ref_at:ref_at + 10])
            code = failures.get(reference) or ("1" if rng.random() < failure_rate else TransferResult.DONE)
            line = line[:result_at] + code.encode("ascii") + line[result_at + 1:]
        out.append(line)
    return NEWLINE.join(out)
