"""The tax system's side of the inhabitant-tax file (住民税課税情報), simulated: the yearly 当初
file of a fiscal year and a later file of corrections (更正), in the format of
premiums/tax_feed/format.py, deterministic for a seed. See docs/subsystems/tax-feed.md.

The figures come from ``tax_facts_for``, a pure function of one household's members (no
database), which the synthetic city (synthetic/premium_facts.py) also calls to write the same
facts by COPY. The simulator knows the residents only by their snapshot (number, household,
relation, birth date, sex: no decryption).

The model, roughly (amounts in yen, the previous calendar year's income):
- under 15: no income; 15-22: mostly none, some part-time wages;
- 23-64: mostly salary earners (給与収入 log-normal, lower for women; some spouses part-time),
  a few self-employed, a few with disability or survivors' pensions (非課税年金);
- 65 and over: public pensions by kind (国民年金 only, 厚生年金, 共済), some with a corporate
  pension on top, some still working (fewer with age), some with business or rental income (a
  long tail that reaches the top stages), a few land sales with a special deduction, survivors'
  pensions for widows; about 3 % of the elderly in households on public assistance, and a handful
  of the oldest with an old-age welfare pension;
- 給与所得 and 公的年金等に係る雑所得 from the revenue by the 2020+ deduction tables; taxed when
  the income passes the 均等割 limit of a 1級地 city (45万円 alone, 35万円 × (1 + dependants) +
  31万円 for the household's main earner, who claims the members earning up to 48万円; 135万円
  for minors); the household is taxed when a member is.
"""

from __future__ import annotations

import copy
import itertools
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from eligibility.codes import Relation, Sex
from premiums.intake.tax_feed.format import (
    ATTRS,
    FLAG_FILE_CODES,
    KIND_FILE_CODES,
    LAYOUT,
    TAXED_FILE_CODES,
    TaxRecordKind,
    line_encode,
)
from premiums.intake.tax_feed.parser import TaxRecord

MAN = 10_000  # 1万円

# 均等割 non-taxable limits of a 1級地 city (Kawasaki): alone, and per person with dependants.
LIMIT_ALONE = 45 * MAN
LIMIT_PER_PERSON = 35 * MAN
LIMIT_DEPENDANT_ADDITION = 31 * MAN
DEPENDANT_INCOME_LIMIT = 48 * MAN
MINOR_LIMIT = 135 * MAN
PUBLIC_ASSISTANCE_SHARE_ALONE = 0.075  # elderly persons living alone
PUBLIC_ASSISTANCE_SHARE_ELDERLY_HOUSEHOLD = 0.02  # other households with an elderly member
OLD_AGE_WELFARE_SHARE = 0.02  # of persons aged 95+ (in reality: born before 1911-1916; see the docs)


@dataclass(frozen=True, slots=True)
class TaxSnapshot:
    person_id: int
    household_id: int
    relation: str
    birth_date: date
    sex: str


@dataclass
class SimulatedTaxFile:
    data: bytes
    # line number -> the error code the parser must give for each injected bad line
    injected: dict[int, str] = field(default_factory=dict)
    records: list[TaxRecord] = field(default_factory=list)  # the good lines written (line_no set)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def salary_income_of(revenue: int) -> int:
    """給与所得 from 給与収入 (給与所得控除, 2020 onwards)."""
    if revenue <= 1_625_000:
        deduction = 550_000
    elif revenue <= 1_800_000:
        deduction = revenue * 40 // 100 - 100_000
    elif revenue <= 3_600_000:
        deduction = revenue * 30 // 100 + 80_000
    elif revenue <= 6_600_000:
        deduction = revenue * 20 // 100 + 440_000
    elif revenue <= 8_500_000:
        deduction = revenue * 10 // 100 + 1_100_000
    else:
        deduction = 1_950_000
    return max(0, revenue - deduction)


def pension_misc_income_of(revenue: int, age: int) -> int:
    """公的年金等に係る雑所得 from 公的年金等の収入 (公的年金等控除, other income up to 1,000万円)."""
    if age >= 65:
        if revenue <= 3_300_000:
            return max(0, revenue - 1_100_000)
    elif revenue <= 1_300_000:
        return max(0, revenue - 600_000)
    if revenue <= 4_100_000:
        return revenue * 75 // 100 - 275_000
    if revenue <= 7_700_000:
        return revenue * 85 // 100 - 685_000
    if revenue <= 10_000_000:
        return revenue * 95 // 100 - 1_455_000
    return revenue - 1_955_000


def _lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> int:
    return int(min(high, max(low, median * math.exp(rng.gauss(0, sigma)))) // 1000 * 1000)


@dataclass
class _Person:
    snapshot: TaxSnapshot
    age: int
    pension: int = 0  # 課税年金収入額
    pension_misc: int = 0
    salary: int = 0  # 給与所得
    other: int = 0  # business, rental, dividends, capital gains (may be negative: a business loss)
    special_deduction: int = 0
    non_taxable_pension: int = 0
    old_age_welfare: bool = False

    @property
    def total_income(self) -> int:
        return self.pension_misc + self.salary + self.other

    @property
    def taxable_measure(self) -> int:
        return self.total_income - self.special_deduction


def tax_facts_for(members: Sequence[TaxSnapshot], fiscal_year: int, rng: random.Random, *,
                  serials: Iterator[int] | None = None) -> list[TaxRecord]:
    """The inhabitant-tax facts of one household for ``fiscal_year`` (ages on its 4/1), one
    ``TaxRecord`` (kind initial) per member in the given order. Pure: no database. Serials come
    from ``serials`` (default: empty, for callers that store the facts without a file).

    The household must have exactly one head; when the snapshot has none (the head died or moved
    out) the oldest member is written as head, and further heads as ``other``: the tax system's
    household as of 4/1 always has one head."""
    if not members:
        return []
    levy_date = date(fiscal_year, 4, 1)
    relations = _one_head(members)
    people = [_Person(m, age_on(m.birth_date, levy_date)) for m in members]
    elderly = [p for p in people if p.age >= 65]
    assisted = False
    if elderly:
        share = PUBLIC_ASSISTANCE_SHARE_ALONE if len(people) == 1 else PUBLIC_ASSISTANCE_SHARE_ELDERLY_HOUSEHOLD
        assisted = rng.random() < share
    has_spouse = {p.snapshot.relation for p in people} >= {Relation.HEAD, Relation.SPOUSE}
    for p in people:
        if assisted:
            _assisted_income(p, rng)
        elif p.age >= 65:
            _elderly_income(p, rng, with_spouse=has_spouse and p.snapshot.relation in (Relation.HEAD, Relation.SPOUSE))
        else:
            _younger_income(p, rng)
    taxed = household_taxation([p.taxable_measure for p in people], [p.age for p in people])
    household_taxed = any(taxed)
    out = []
    for p, relation, self_taxed in zip(people, relations, taxed, strict=True):
        s = p.snapshot
        out.append(TaxRecord(
            serial=f"{next(serials):012d}" if serials is not None else "", kind=TaxRecordKind.INITIAL.value,
            fiscal_year=fiscal_year, person_id=s.person_id, household_id=s.household_id, relation=relation,
            birth_date=s.birth_date, self_taxed=self_taxed, household_taxed=household_taxed,
            total_income=p.total_income, pension_misc_income=p.pension_misc, taxable_pension_income=p.pension,
            salary_income=p.salary, special_deduction=p.special_deduction,
            non_taxable_pension_income=p.non_taxable_pension, public_assistance=assisted,
            old_age_welfare_pension=p.old_age_welfare,
        ))
    return out


def household_taxation(measures: Sequence[int], ages: Sequence[int]) -> list[bool]:
    """Who of a household is taxed (均等割), from each member's income after the special deduction:
    the main earner claims as dependants the members earning up to 48万円; minors up to 135万円
    are not taxed."""
    if not measures:
        return []
    main = max(range(len(measures)), key=lambda i: measures[i])
    dependants = sum(1 for i, m in enumerate(measures) if i != main and m <= DEPENDANT_INCOME_LIMIT)
    out = []
    for i, measure in enumerate(measures):
        if i == main and dependants:
            limit = LIMIT_PER_PERSON * (1 + dependants) + LIMIT_DEPENDANT_ADDITION
        else:
            limit = LIMIT_ALONE
        if ages[i] < 18:
            limit = max(limit, MINOR_LIMIT)
        out.append(measure > limit)
    return out


def _one_head(members: Sequence[TaxSnapshot]) -> list[str]:
    relations = [m.relation for m in members]
    heads = [i for i, r in enumerate(relations) if r == Relation.HEAD]
    if not heads:
        oldest = min(range(len(members)), key=lambda i: (members[i].birth_date, i))
        relations[oldest] = Relation.HEAD.value
    for i in heads[1:]:
        relations[i] = Relation.OTHER.value
    return [str(r) for r in relations]


def _assisted_income(p: _Person, rng: random.Random) -> None:
    """On public assistance: a small pension at most (国民年金, often partial), no other income."""
    if p.age >= 65 and rng.random() < 0.55:
        p.pension = rng.randrange(20, 70) * MAN
        p.pension_misc = pension_misc_income_of(p.pension, p.age)


def _elderly_income(p: _Person, rng: random.Random, *, with_spouse: bool) -> None:
    male = p.snapshot.sex == Sex.MALE
    r = rng.random()
    if r < 0.03:
        pension = 0
    elif r < 0.34:  # 国民年金 (基礎年金) only, often less than the full amount
        pension = rng.randrange(35, 84) * MAN
    elif r < 0.93:  # 厚生年金
        pension = _lognormal(rng, 195 * MAN if male else 112 * MAN, 0.25, 85 * MAN, 420 * MAN)
    else:  # 共済年金
        pension = _lognormal(rng, 260 * MAN if male else 200 * MAN, 0.2, 150 * MAN, 450 * MAN)
    if pension and rng.random() < 0.2:  # a corporate pension on top
        pension += rng.randrange(20, 160) * MAN
    p.pension = pension
    p.pension_misc = pension_misc_income_of(pension, p.age)
    working = (0.5 if male else 0.38) if p.age < 70 else (0.33 if male else 0.22) if p.age < 75 else 0.08
    if rng.random() < working:
        p.salary = salary_income_of(_lognormal(rng, 200 * MAN if male else 130 * MAN, 0.6, 50 * MAN, 2_000 * MAN))
    if rng.random() < 0.09:  # business, rental income, dividends: a long tail
        p.other = _lognormal(rng, 180 * MAN, 1.0, 10 * MAN, 8_000 * MAN)
        if rng.random() < 0.05:
            p.other = -rng.randrange(10, 300) * MAN  # a loss
    if rng.random() < 0.012:  # a land or house sale with its special deduction
        p.special_deduction = rng.choice((1_000 * MAN, 1_500 * MAN, 2_000 * MAN, 3_000 * MAN, 5_000 * MAN))
        p.other += p.special_deduction + rng.choice((0, 0, rng.randrange(10, 800) * MAN))
    if not male and not with_spouse and rng.random() < 0.35:  # a widow's survivors' pension
        p.non_taxable_pension = _lognormal(rng, 90 * MAN, 0.3, 30 * MAN, 200 * MAN)
    elif rng.random() < 0.03:
        p.non_taxable_pension = _lognormal(rng, 80 * MAN, 0.2, 40 * MAN, 160 * MAN)  # disability
    if p.age >= 95 and rng.random() < OLD_AGE_WELFARE_SHARE:
        p.old_age_welfare = True


def _younger_income(p: _Person, rng: random.Random) -> None:
    age, male = p.age, p.snapshot.sex == Sex.MALE
    if age < 15:
        return
    if age < 23:
        if rng.random() < 0.25:
            p.salary = salary_income_of(rng.randrange(20, 180) * MAN)
        return
    r = rng.random()
    spouse = p.snapshot.relation == Relation.SPOUSE
    if r < (0.86 if male else 0.55 if spouse else 0.75):
        if not male and spouse and rng.random() < 0.45:  # part-time, within the dependant limits
            revenue = rng.randrange(50, 160) * MAN
        else:
            median = (480 if male else 300) * MAN * (0.75 if age < 30 else 1.0 if age < 45 else 1.1)
            revenue = _lognormal(rng, median, 0.5, 100 * MAN, 4_000 * MAN)
        p.salary = salary_income_of(revenue)
    elif r < (0.93 if male else 0.62 if spouse else 0.82):
        p.other = _lognormal(rng, 300 * MAN, 0.9, 20 * MAN, 5_000 * MAN)  # self-employed
        if rng.random() < 0.08:
            p.other = -rng.randrange(10, 400) * MAN
    if rng.random() < 0.02:
        p.non_taxable_pension = _lognormal(rng, 90 * MAN, 0.3, 40 * MAN, 200 * MAN)  # disability, survivors'


# ----- files -------------------------------------------------------------------------------------


def record_values(r: TaxRecord) -> list[str]:
    """The fields of one line, in column order (ATTRS)."""
    return [
        r.serial, KIND_FILE_CODES[r.kind], str(r.fiscal_year), str(r.person_id), str(r.household_id), r.relation,
        r.birth_date.isoformat(), TAXED_FILE_CODES[r.self_taxed], TAXED_FILE_CODES[r.household_taxed],
        str(r.total_income), str(r.pension_misc_income), str(r.taxable_pension_income), str(r.salary_income),
        str(r.special_deduction), str(r.non_taxable_pension_income), FLAG_FILE_CODES[r.public_assistance],
        FLAG_FILE_CODES[r.old_age_welfare_pension],
    ]


def _stamped(record: TaxRecord, serial: str, line_no: int) -> TaxRecord:
    """``replace(record, serial=..., line_no=...)``, ten times faster (a copy of a frozen record)."""
    new = copy.copy(record)
    object.__setattr__(new, "serial", serial)
    object.__setattr__(new, "line_no", line_no)
    return new


def households_of(snapshots: Iterable[TaxSnapshot]) -> dict[int, list[TaxSnapshot]]:
    """Members by household, in the order given (persons without a household are left out)."""
    out: dict[int, list[TaxSnapshot]] = {}
    for s in snapshots:
        if s.household_id is not None:
            out.setdefault(s.household_id, []).append(s)
    return out


def simulate_tax_file(snapshots: Sequence[TaxSnapshot], *, fiscal_year: int, seed: int, serial_start: int = 1,
                      bad_lines: int = 0) -> SimulatedTaxFile:
    """The 当初 file of ``fiscal_year``: one line per person of ``snapshots`` (grouped by household,
    households in the order of their first member), and ``bad_lines`` faulty lines at random
    positions (``injected``). Serials run from ``serial_start``."""
    rng = random.Random(f"tax-initial:{seed}:{fiscal_year}")
    good: list[TaxRecord] = []
    for members in households_of(snapshots).values():
        good.extend(tax_facts_for(members, fiscal_year, rng))
    return _write(good, rng=rng, fiscal_year=fiscal_year, serial_start=serial_start, bad_lines=bad_lines)


def simulate_tax_corrections(initial: Sequence[TaxRecord], *, fiscal_year: int, seed: int, share: float = 0.03,
                             serial_start: int = 1, bad_lines: int = 0) -> SimulatedTaxFile:
    """A file of corrections (更正) to the facts ``initial`` (the records of the 当初 file): about
    ``share`` of the persons get changed figures (a late or amended declaration: more or less
    income, a salary found later, a pension corrected); when that changes the household's
    taxation, every member of the household gets a correction line (their 世帯課税区分 changed)."""
    rng = random.Random(f"tax-corrections:{seed}:{fiscal_year}")
    by_household: dict[int, list[TaxRecord]] = {}
    for record in initial:
        if record.kind == TaxRecordKind.INITIAL and record.fiscal_year == fiscal_year:
            by_household.setdefault(record.household_id, []).append(record)
    good: list[TaxRecord] = []
    for members in by_household.values():
        changed = [i for i in range(len(members)) if rng.random() < share]
        if not changed:
            continue
        new = [replace(m, kind=TaxRecordKind.CORRECTION.value, line_no=0) for m in members]
        for i in changed:
            new[i] = _corrected(new[i], rng)
        ages = [age_on(m.birth_date, date(fiscal_year, 4, 1)) for m in new]
        taxed = household_taxation([m.total_income - m.special_deduction for m in new], ages)
        household_taxed = any(taxed)
        for i, (m, self_taxed) in enumerate(zip(new, taxed, strict=True)):
            new[i] = replace(m, self_taxed=self_taxed, household_taxed=household_taxed)
        for i, (old, m) in enumerate(zip(members, new, strict=True)):
            if i in changed or (old.self_taxed, old.household_taxed) != (m.self_taxed, m.household_taxed):
                good.append(m)
    return _write(good, rng=rng, fiscal_year=fiscal_year, serial_start=serial_start, bad_lines=bad_lines)


def _corrected(m: TaxRecord, rng: random.Random) -> TaxRecord:
    r = rng.random()
    if r < 0.45:  # amended declaration: other income up or down
        delta = rng.randrange(-80, 250) * MAN
        return replace(m, total_income=m.total_income + delta or 1)
    if r < 0.75:  # a salary found later (給与支払報告書 received late)
        extra = salary_income_of(rng.randrange(60, 500) * MAN)
        return replace(m, salary_income=m.salary_income + extra, total_income=m.total_income + extra)
    # a pension corrected (a late 公的年金等支払報告書)
    age = age_on(m.birth_date, date(m.fiscal_year, 4, 1))
    pension = max(0, m.taxable_pension_income + rng.randrange(-30, 120) * MAN)
    misc = pension_misc_income_of(pension, age)
    return replace(m, taxable_pension_income=pension, pension_misc_income=misc,
                   total_income=m.total_income - m.pension_misc_income + misc)


# ----- writing and faults -------------------------------------------------------------------------

# Faults found before the serial is registered: such a line's serial is not known to the parser.
_UNREAD_SERIAL = frozenset({"csv_malformed", "field_count"})
FAULTS = (
    "csv_malformed", "field_count", "serial_duplicate", "kind_unknown", "fiscal_year_mismatch", "date_invalid",
    "amount_negative", "amount_invalid", "taxation_invalid", "household_taxation_conflict", "person_duplicate",
    "household_head_missing",
)
_FAULT_PERSON_BASE = 990_000_000_000_000  # made-up persons and households of faulty lines (15 digits)


def _write(good: list[TaxRecord], *, rng: random.Random, fiscal_year: int, serial_start: int,
           bad_lines: int) -> SimulatedTaxFile:
    size = len(good) + bad_lines
    if bad_lines < 0:
        raise ValueError("bad_lines >= 0 expected")
    if serial_start < 1 or serial_start + size > 10**12:
        raise ValueError("serials must stay within 12 digits")
    bad_positions = set(rng.sample(range(size), bad_lines))
    serials = itertools.count(serial_start)
    fault_ids = itertools.count(_FAULT_PERSON_BASE + rng.randrange(10**9))
    out: list[str] = []  # the data lines (LAYOUT.file adds the header and the trailer)
    injected: dict[int, str] = {}
    written: list[TaxRecord] = []
    seen_serials: list[str] = []
    seen_initial: list[TaxRecord] = []  # good initial lines written (a duplicate person must follow one)
    good_iter = iter(good)
    for position in range(size):
        line_no = position + 2
        serial = f"{next(serials):012d}"
        if position in bad_positions:
            text, code = _bad_line(rng, serial, fiscal_year, seen_serials, seen_initial, fault_ids)
            injected[line_no] = code
            if code not in _UNREAD_SERIAL:
                seen_serials.append(serial)
        else:
            record = _stamped(next(good_iter), serial, line_no)
            written.append(record)
            if record.kind == TaxRecordKind.INITIAL:
                seen_initial.append(record)
            seen_serials.append(serial)
            text = line_encode(record_values(record))
        out.append(text)
    return SimulatedTaxFile(data=LAYOUT.file(out), injected=injected, records=written)


def _bad_line(rng: random.Random, serial: str, fiscal_year: int, earlier_serials: list[str],
              earlier_initial: list[TaxRecord], fault_ids: Iterator[int]) -> tuple[str, str]:
    """A faulty line and the code the parser gives it: a made-up person alone in a made-up
    household (so no good line is disturbed), broken in one way."""
    faults = list(FAULTS)
    if not earlier_serials:
        faults.remove("serial_duplicate")
    if not earlier_initial:
        faults.remove("person_duplicate")
    fault = rng.choice(faults)
    ident = next(fault_ids)
    born = date(fiscal_year - rng.randint(66, 90), rng.randint(1, 12), rng.randint(1, 28))
    (record,) = tax_facts_for([TaxSnapshot(ident, ident, Relation.HEAD.value, born, rng.choice("12"))],
                              fiscal_year, rng)
    record = replace(record, serial=serial)
    values = record_values(record)
    i = {attr: n for n, attr in enumerate(ATTRS)}
    if fault == "csv_malformed":
        values[i["relation"]] = '"' + values[i["relation"]]
        return ",".join(values), fault
    if fault == "field_count":
        return line_encode(values[:-1]), fault
    if fault == "serial_duplicate":
        values[0] = rng.choice(earlier_serials)
    elif fault == "kind_unknown":
        values[i["kind"]] = "3"
    elif fault == "fiscal_year_mismatch":
        values[i["fiscal_year"]] = str(fiscal_year - 1)
    elif fault == "date_invalid":
        values[i["birth_date"]] = f"{born.year}-02-30"
    elif fault == "amount_negative":
        values[i["salary_income"]] = f"-{rng.randrange(1, 300) * MAN}"
    elif fault == "amount_invalid":
        values[i["total_income"]] = f"{rng.randrange(1, 300)}万"
    elif fault == "taxation_invalid":
        values[i["self_taxed"]] = "課税"
    elif fault == "household_taxation_conflict":
        values[i["self_taxed"]], values[i["household_taxed"]] = "1", "2"
    elif fault == "person_duplicate":
        values = record_values(replace(rng.choice(earlier_initial), serial=serial))
    elif fault == "household_head_missing":  # a spouse whose household has no head line
        values[i["relation"]] = Relation.SPOUSE.value
    return line_encode(values), fault
