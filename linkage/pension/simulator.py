"""The pension insurers' side of the 特別徴収 files (via 国保連), simulated: the yearly listing
(00 特別徴収対象者情報, May), the additional candidates (01, odd months other than May) and the
deduction results (10, after each pension month), in the format of premiums/pension_feed/format.py,
deterministic for a seed. See docs/subsystems/pension-feed.md.

The real files do not carry the resident number: the intake matches a line to a resident by kana
name, birth date and sex. So the simulator is given the residents' kana names (the caller
decrypts them) and writes them as the insurers do, in half-width katakana. It can add lines of
persons who are not in the city (``unmatched``) and says which lines those are.
"""

from __future__ import annotations

import itertools
import math
import random
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from eligibility.codes import Sex
from premiums.intake.pension_feed.format import (
    ATTRS,
    LAYOUT,
    NOTICE_MONTHS,
    PENSION_KIND_FILE_CODES,
    RESULT_FILE_CODES,
    WITHHOLDABLE_FILE_CODES,
    DeductionResult,
    Notice,
    line_encode,
)
from premiums.intake.pension_feed.parser import PensionRecord, YearMonth
from premiums.rules.codes import PensionKind

MAN = 10_000
LISTED_SHARE = 0.8  # of residents aged 65+ on 4/1, in the yearly listing
SECOND_PENSION_SHARE = 0.04  # listed persons with a second pension from another insurer
NOT_WITHHOLDABLE_SHARE = 0.025
SMALL_PENSION_SHARE = 0.02  # pensions under 18万円 a year (short contribution periods)
NOT_DEDUCTED_SHARE = 0.01  # results: requested deductions not made

# Insurers by weight (old-age pensions); the second pension comes from another one.
INSURER_WEIGHTS = {"010": 86, "001": 7, "020": 4, "030": 3}
# 年金コード by insurer and kind (4 digits; made up for the simulation, not interpreted by the parser).
PENSION_CODES = {
    PensionKind.OLD_AGE: {"010": "1150", "001": "0130", "020": "0230", "030": "0330"},
    PensionKind.DISABILITY: {"010": "5350", "001": "0150", "020": "0250", "030": "0350"},
    PensionKind.SURVIVOR: {"010": "6350", "001": "0160", "020": "0260", "030": "0360"},
    PensionKind.OLD_AGE_WELFARE: {"010": "0830"},
    PensionKind.WIDOW: {"010": "1450"},
}
NOT_DEDUCTED_WEIGHTS = {
    DeductionResult.DIED: 35, DeductionResult.SUSPENDED: 25, DeductionResult.INSUFFICIENT: 25,
    DeductionResult.STOPPED: 10, DeductionResult.OTHER: 5,
}
# Made-up surnames for persons who are not in the city (unmatched lines).
_STRANGER_SYLLABLES = ("ヌ", "ヘ", "ム", "ヨ", "ロ", "ヲ", "ヅ", "ペ", "ポ", "ゾ", "ギ", "ビ")


@dataclass(frozen=True, slots=True)
class PensionSnapshot:
    person_id: int
    name_kana: str  # decrypted by the caller, "surname given"
    birth_date: date
    sex: str


@dataclass(frozen=True)
class PensionIdentity:
    """What identifies a pension in the files (and what a deduction request carries)."""

    insurer_code: str
    basic_pension_number: str
    pension_code: str
    pension_kind: str
    birth_date: date
    sex: str
    name_kana: str


def identity_of(record: PensionRecord) -> PensionIdentity:
    return PensionIdentity(record.insurer_code, record.basic_pension_number, record.pension_code, record.pension_kind,
                           record.birth_date, record.sex, record.name_kana)


@dataclass
class SimulatedPensionFile:
    data: bytes
    # line number -> the error code the parser must give for each injected bad line
    injected: dict[int, str] = field(default_factory=dict)
    persons: dict[int, int] = field(default_factory=dict)  # good line -> the resident it is about
    unmatched: list[int] = field(default_factory=list)  # good lines of persons not in the city
    not_deducted: dict[int, str] = field(default_factory=dict)  # results: line -> DeductionResult
    lines: int = 0  # lines after the header


def basic_pension_number_of(person_id: int) -> str:
    """A made-up 基礎年金番号, the same for a person in every file (a bijection of the resident number
    modulo 10^10, so two residents never share one)."""
    return f"{(person_id * 7_919_019_277 + 1_234_567_891) % 10**10:010d}"


_HALF = {}
for _code in range(0xFF61, 0xFFA0):
    _half = chr(_code)
    _HALF.setdefault(unicodedata.normalize("NFKC", _half), _half)
    for _mark in ("\uff9e", "\uff9f"):
        _full = unicodedata.normalize("NFKC", _half + _mark)
        if len(_full) == 1:
            _HALF.setdefault(_full, _half + _mark)


def half_width_kana(text: str) -> str:
    """Full-width katakana as the insurers write it (half-width, ｶﾞ for ガ)."""
    return "".join(_HALF.get(c, c) for c in text)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> int:
    return int(min(high, max(low, median * math.exp(rng.gauss(0, sigma)))) // 100 * 100)


def pensions_for(person: PensionSnapshot, age: int, rng: random.Random) -> list[tuple[str, str, int, bool]]:
    """The pensions an insurer lists for a person: (insurer, kind, annual amount, withholdable)."""
    insurers = list(INSURER_WEIGHTS)
    insurer = rng.choices(insurers, weights=list(INSURER_WEIGHTS.values()))[0]
    male = person.sex == Sex.MALE
    r = rng.random()
    if age >= 95 and r < 0.02:
        kind, insurer, amount = PensionKind.OLD_AGE_WELFARE, "010", 413_100
    elif r < 0.006 and not male:
        kind, insurer, amount = PensionKind.WIDOW, "010", _lognormal(rng, 40 * MAN, 0.3, 15 * MAN, 70 * MAN)
    elif r < 0.07 and not male:
        kind, amount = PensionKind.SURVIVOR, _lognormal(rng, 110 * MAN, 0.3, 50 * MAN, 250 * MAN)
    elif r < 0.095:
        kind, amount = PensionKind.DISABILITY, _lognormal(rng, 100 * MAN, 0.25, 80 * MAN, 250 * MAN)
    else:
        kind = PensionKind.OLD_AGE
        s = rng.random()
        if s < SMALL_PENSION_SHARE:
            amount = rng.randrange(30, 180) * 1000  # under 18万円
        elif s < 0.33:
            amount = rng.randrange(350, 840) * 1000  # 国民年金 (基礎年金) only
        elif insurer == "010":
            amount = _lognormal(rng, 195 * MAN if male else 112 * MAN, 0.25, 85 * MAN, 420 * MAN)
        else:
            amount = _lognormal(rng, 260 * MAN if male else 200 * MAN, 0.2, 150 * MAN, 450 * MAN)
    out = [(insurer, kind.value, amount, rng.random() >= NOT_WITHHOLDABLE_SHARE)]
    if kind == PensionKind.OLD_AGE and rng.random() < SECOND_PENSION_SHARE:
        other = rng.choice([i for i in insurers if i != insurer])
        out.append((other, PensionKind.OLD_AGE.value, _lognormal(rng, 60 * MAN, 0.5, 18 * MAN, 200 * MAN),
                    rng.random() >= NOT_WITHHOLDABLE_SHARE))
    return out


def _stranger(rng: random.Random, known: set[tuple[str, date, str]]) -> PensionSnapshot:
    while True:
        surname = "".join(rng.choice(_STRANGER_SYLLABLES) for _ in range(rng.randint(3, 4)))
        given = "".join(rng.choice(_STRANGER_SYLLABLES) for _ in range(2))
        born = date(rng.randint(1930, 1960), rng.randint(1, 12), rng.randint(1, 28))
        sex = rng.choice((Sex.MALE.value, Sex.FEMALE.value))
        name = f"{surname} {given}"
        if (name, born, sex) not in known:
            return PensionSnapshot(9_000_000_000 + rng.randrange(10**9), name, born, sex)


# ----- the three notices ---------------------------------------------------------------------------


def simulate_targets_file(snapshots: Sequence[PensionSnapshot], *, fiscal_year: int, seed: int, serial_start: int = 1,
                          unmatched: int = 0, bad_lines: int = 0) -> SimulatedPensionFile:
    """The yearly 特別徴収対象者情報 (00) for May of ``fiscal_year``: about 80 % of the residents aged
    65+ on 4/1, with one pension each (a few with a second from another insurer); ``unmatched``
    lines of persons not in the city."""
    rng = random.Random(f"pension-targets:{seed}:{fiscal_year}")
    levy_date = date(fiscal_year, 4, 1)
    chosen = [(s, age_on(s.birth_date, levy_date)) for s in snapshots]
    chosen = [(s, age) for s, age in chosen if age >= 65 and rng.random() < LISTED_SHARE]
    return _listing(chosen, rng=rng, notice=Notice.TARGETS.value, month=(fiscal_year, 5), snapshots=snapshots,
                    serial_start=serial_start, unmatched=unmatched, bad_lines=bad_lines)


def simulate_candidates_file(snapshots: Sequence[PensionSnapshot], *, month: YearMonth, seed: int,
                             serial_start: int = 1, unmatched: int = 0, bad_lines: int = 0) -> SimulatedPensionFile:
    """特別徴収追加候補者情報 (01) for ``month`` (July, September, November, January or March): most
    of the residents who turned 65 in the two months before the previous listing month (their
    pension has started since), and a few older residents (a new pension, a move into the city)."""
    if month[1] not in NOTICE_MONTHS[Notice.ADDITIONAL_CANDIDATES]:
        raise ValueError("01 files are for July, September, November, January and March")
    rng = random.Random(f"pension-candidates:{seed}:{month[0]}-{month[1]}")
    first = date(month[0], month[1], 1)
    window_end = _months_before(first, 2)
    window_start = _months_before(first, 4)
    chosen = []
    for s in snapshots:
        turned_65 = date(s.birth_date.year + 65, s.birth_date.month, min(s.birth_date.day, 28)) - timedelta(days=1)
        if window_start <= turned_65 < window_end:
            if rng.random() < LISTED_SHARE:
                chosen.append((s, 65))
        elif age_on(s.birth_date, first) > 65 and rng.random() < 0.002:
            chosen.append((s, age_on(s.birth_date, first)))
    return _listing(chosen, rng=rng, notice=Notice.ADDITIONAL_CANDIDATES.value, month=month, snapshots=snapshots,
                    serial_start=serial_start, unmatched=unmatched, bad_lines=bad_lines)


def simulate_results_file(requested: Mapping[PensionIdentity, int], *, month: YearMonth, seed: int,
                          serial_start: int = 1, not_deducted_share: float = NOT_DEDUCTED_SHARE,
                          bad_lines: int = 0) -> SimulatedPensionFile:
    """特別徴収結果通知 (10) for the pension month ``month``: one line per requested deduction (pension
    -> amount requested for that month), deducted as requested except about ``not_deducted_share``
    (died, suspended, insufficient, stopped, other: amount 0), reported in ``not_deducted``."""
    if month[1] not in NOTICE_MONTHS[Notice.RESULTS]:
        raise ValueError("10 files are for the pension months (even months)")
    rng = random.Random(f"pension-results:{seed}:{month[0]}-{month[1]}")
    reasons = list(NOT_DEDUCTED_WEIGHTS)
    weights = list(NOT_DEDUCTED_WEIGHTS.values())
    good: list[tuple[list[str], int | None, str | None]] = []
    for identity, amount in requested.items():
        if amount <= 0:
            continue
        if rng.random() < not_deducted_share:
            result, deducted = rng.choices(reasons, weights=weights)[0].value, 0
        else:
            result, deducted = DeductionResult.DEDUCTED.value, amount
        values = _values(Notice.RESULTS.value, month, identity, deducted_amount=deducted, result=result)
        good.append((values, None, None if result == DeductionResult.DEDUCTED else result))
    base = next(iter(requested), None)
    return _write(good, rng=rng, notice=Notice.RESULTS.value, month=month, serial_start=serial_start,
                  bad_lines=bad_lines, base=lambda: _fault_identity(rng, base))


# ----- writing ------------------------------------------------------------------------------------


def _months_before(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _values(notice: str, month: YearMonth, identity: PensionIdentity, *, annual_amount: int | None = None,
            withholdable: bool | None = None, deducted_amount: int | None = None, result: str | None = None) -> list[str]:
    return [
        "", notice, f"{month[0]:04d}-{month[1]:02d}", identity.insurer_code, identity.basic_pension_number,
        identity.pension_code, PENSION_KIND_FILE_CODES[identity.pension_kind], identity.birth_date.isoformat(),
        identity.sex, half_width_kana(identity.name_kana),
        "" if annual_amount is None else str(annual_amount),
        "" if withholdable is None else WITHHOLDABLE_FILE_CODES[withholdable],
        "" if deducted_amount is None else str(deducted_amount),
        "" if result is None else RESULT_FILE_CODES[result],
    ]


def _listing_values(notice: str, month: YearMonth, person: PensionSnapshot, age: int,
                    rng: random.Random) -> list[list[str]]:
    out = []
    for insurer, kind, amount, withholdable in pensions_for(person, age, rng):
        identity = PensionIdentity(insurer, basic_pension_number_of(person.person_id), PENSION_CODES[kind][insurer],
                                   kind, person.birth_date, person.sex, person.name_kana)
        out.append(_values(notice, month, identity, annual_amount=amount, withholdable=withholdable))
    return out


def _listing(chosen: list[tuple[PensionSnapshot, int]], *, rng: random.Random, notice: str, month: YearMonth,
             snapshots: Sequence[PensionSnapshot], serial_start: int, unmatched: int,
             bad_lines: int) -> SimulatedPensionFile:
    good: list[tuple[list[str], int | None, str | None]] = []
    for person, age in chosen:
        for values in _listing_values(notice, month, person, age, rng):
            good.append((values, person.person_id, None))
    if unmatched:
        known = {(s.name_kana, s.birth_date, s.sex) for s in snapshots}
        for _ in range(unmatched):
            stranger = _stranger(rng, known)
            values = _listing_values(notice, month, stranger, age_on(stranger.birth_date, date(*month, 1)), rng)[0]
            good.insert(rng.randrange(len(good) + 1), (values, None, None))
    return _write(good, rng=rng, notice=notice, month=month, serial_start=serial_start, bad_lines=bad_lines,
                  base=lambda: _fault_identity(rng, None))


def _fault_identity(rng: random.Random, base: PensionIdentity | None) -> PensionIdentity:
    stranger = _stranger(rng, set())
    return PensionIdentity("010", basic_pension_number_of(stranger.person_id), "1150", PensionKind.OLD_AGE.value,
                           stranger.birth_date, stranger.sex, stranger.name_kana)


# Faults found before the serial is registered: such a line's serial is not known to the parser.
_UNREAD_SERIAL = frozenset({"csv_malformed", "field_count"})
FAULTS_LISTING = (
    "csv_malformed", "field_count", "serial_duplicate", "notice_unknown", "month_invalid", "insurer_unknown",
    "basic_pension_number_invalid", "pension_code_invalid", "pension_kind_invalid", "date_invalid", "sex_invalid",
    "kana_invalid", "amount_invalid", "required_missing", "field_not_allowed", "withholdable_invalid",
    "pension_duplicate",
)
FAULTS_RESULTS = tuple(f for f in FAULTS_LISTING if f != "withholdable_invalid") + (
    "result_invalid", "deducted_amount_mismatch")


def _write(good: list[tuple[list[str], int | None, str | None]], *, rng: random.Random, notice: str,
           month: YearMonth, serial_start: int, bad_lines: int,
           base: Callable[[], PensionIdentity]) -> SimulatedPensionFile:
    if bad_lines < 0:
        raise ValueError("bad_lines >= 0 expected")
    size = len(good) + bad_lines
    if serial_start < 1 or serial_start + size > 10**12:
        raise ValueError("serials must stay within 12 digits")
    bad_positions = set(rng.sample(range(size), bad_lines))
    serials = itertools.count(serial_start)
    made = SimulatedPensionFile(data=b"", lines=size)
    out: list[str] = []  # the data lines (LAYOUT.file adds the header and the trailer)
    seen_serials: list[str] = []
    seen_good: list[list[str]] = []
    good_iter = iter(good)
    for position in range(size):
        line_no = position + 2
        serial = f"{next(serials):012d}"
        if position in bad_positions:
            text, code = _bad_line(rng, notice, month, serial, seen_serials, seen_good, base())
            made.injected[line_no] = code
            if code not in _UNREAD_SERIAL:
                seen_serials.append(serial)
        else:
            values, person_id, not_deducted = next(good_iter)
            values[0] = serial
            if person_id is not None:
                made.persons[line_no] = person_id
            elif notice != Notice.RESULTS:
                made.unmatched.append(line_no)
            if not_deducted is not None:
                made.not_deducted[line_no] = not_deducted
            seen_serials.append(serial)
            seen_good.append(values)
            text = line_encode(values)
        out.append(text)
    made.data = LAYOUT.file(out)
    return made


def _bad_line(rng: random.Random, notice: str, month: YearMonth, serial: str, earlier_serials: list[str],
              earlier_good: list[list[str]], identity: PensionIdentity) -> tuple[str, str]:
    """A faulty line and the code the parser gives it: a made-up person's pension, broken in one way."""
    results = notice == Notice.RESULTS
    faults = list(FAULTS_RESULTS if results else FAULTS_LISTING)
    if not earlier_serials:
        faults.remove("serial_duplicate")
    if not earlier_good:
        faults.remove("pension_duplicate")
    fault = rng.choice(faults)
    if results:
        values = _values(notice, month, identity, deducted_amount=rng.randrange(10, 300) * 100,
                         result=DeductionResult.DEDUCTED.value)
    else:
        values = _values(notice, month, identity, annual_amount=rng.randrange(40, 300) * MAN, withholdable=True)
    values[0] = serial
    i = {attr: n for n, attr in enumerate(ATTRS)}
    if fault == "csv_malformed":
        values[i["name_kana"]] = '"' + values[i["name_kana"]]
        return ",".join(values), fault
    if fault == "field_count":
        return line_encode(values[:-1]), fault
    if fault == "serial_duplicate":
        values[0] = rng.choice(earlier_serials)
    elif fault == "notice_unknown":
        values[i["notice"]] = "99"
    elif fault == "month_invalid":
        values[i["month"]] = f"{month[0]}-13"
    elif fault == "insurer_unknown":
        values[i["insurer_code"]] = "999"
    elif fault == "basic_pension_number_invalid":
        values[i["basic_pension_number"]] = values[i["basic_pension_number"]][:9]
    elif fault == "pension_code_invalid":
        values[i["pension_code"]] = "11A0"
    elif fault == "pension_kind_invalid":
        values[i["pension_kind"]] = "7"
    elif fault == "date_invalid":
        values[i["birth_date"]] = f"{identity.birth_date.year}-02-30"
    elif fault == "sex_invalid":
        values[i["sex"]] = "0"
    elif fault == "kana_invalid":
        values[i["name_kana"]] = "試験 太郎"
    elif fault == "amount_invalid":
        values[i["deducted_amount" if results else "annual_amount"]] = "1,200,000"
    elif fault == "required_missing":
        values[i["result" if results else "withholdable"]] = ""
    elif fault == "field_not_allowed":
        values[i["annual_amount" if results else "result"]] = "0" if not results else "1200000"
    elif fault == "withholdable_invalid":
        values[i["withholdable"]] = "2"
    elif fault == "result_invalid":
        values[i["result"]] = "8"
    elif fault == "deducted_amount_mismatch":
        values[i["result"]] = RESULT_FILE_CODES[DeductionResult.DIED]
    elif fault == "pension_duplicate":
        values = list(rng.choice(earlier_good))
        values[0] = serial
    return line_encode(values), fault
