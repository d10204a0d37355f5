"""The national federation's (国保連) side of the monthly benefit-record file (給付実績), simulated:
a service month of records for the synthetic city's certified persons, in the layout of
benefits/records/format.py, deterministic for a seed. See docs/subsystems/benefits-records.md.

Consistent with the certifications: only persons certified in the service month get records
(``certified_people`` reads them through certification's and eligibility's public selectors),
service types fit the level (care services for 要介護, preventive ones for 要支援,
benefits.rules.service_types), and the units counted against the monthly limit stay within the
limit of the month's (higher) level. Each person draws, from ``Random(f"kokuhoren:{seed}:{number}")``:
no use this month (8 %); for 要介護3-5 a facility (35 %; 要介護1-2: 8 %, 老健 or 介護医療院); a group
home or specified facility (5 %); else care management (居宅介護支援 / 介護予防支援, no co-payment)
and one to four home services sharing 35-95 % of the limit; 居宅療養管理指導 now and then. The
benefit rate is 90 % (88 % of persons), 80 % (7 %) or 70 % (5 %); 2 % have public assistance (公費
pays the co-payment). A share of records (``reimbursed_share``) is 償還払い.

Faults for tests of the intake: ``uncertified`` insured numbers get records although not certified
in the month (the intake refuses them: ``not_certified``), ``unknown`` records carry numbers never
issued (``person_unknown``), ``mismatched`` records a service type not for the level
(``service_type_level``), ``bad_lines`` lines the parser refuses (``injected``: line -> code)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from benefits.records.format import (
    LAYOUT,
    ROUTE_FILE_CODES,
    PaymentRoute,
    insurer_amount_of,
    line_encode,
    month_text,
    total_cost_of,
    unit_price_text,
)
from benefits.rules.service_types import (
    CARE,
    SERVICE_TYPES,
    SUPPORT,
    SUPPORT_LEVEL_CODES,
    monthly_limit,
)

# 単位数単価 (hundredths of a yen) by service type: a 2級地 city (上乗せ割合 16 %) by the service's 人件費割合
# (70 %: 11.12, 55 %: 10.88, 45 %: 10.72), 10.00 for the services without an area addition
# (平成27年厚生労働省告示第93号; approximate, for simulated data only)
_PRICE_70, _PRICE_55, _PRICE_45, _PRICE_NONE = 1112, 1088, 1072, 1000
UNIT_PRICES = {
    "11": _PRICE_70, "12": _PRICE_70, "13": _PRICE_70, "14": _PRICE_55, "15": _PRICE_45, "16": _PRICE_55,
    "17": _PRICE_NONE, "21": _PRICE_55, "31": _PRICE_NONE, "32": _PRICE_45, "33": _PRICE_45, "43": _PRICE_70,
    "51": _PRICE_45, "52": _PRICE_45, "55": _PRICE_45, "78": _PRICE_45, "46": _PRICE_70, "62": _PRICE_70,
    "63": _PRICE_70, "64": _PRICE_55, "66": _PRICE_55, "67": _PRICE_NONE, "24": _PRICE_55, "34": _PRICE_NONE,
}
CARE_HOME = tuple(sorted(c for c, t in SERVICE_TYPES.items() if t.kind == CARE and t.home))
SUPPORT_HOME = tuple(sorted(c for c, t in SERVICE_TYPES.items() if t.kind == SUPPORT and t.home))
# facility units per day (approximate): 介護福祉施設 (要介護3+), 介護保健施設, 介護医療院; group home, specified facility
DAILY_UNITS = {"51": (700, 900), "52": (780, 1000), "55": (1100, 1400), "32": (760, 850), "33": (540, 810)}
UNKNOWN_PREFIX = "99"  # insured numbers never issued (the city's numbers are far below)


@dataclass(frozen=True)
class CertifiedPerson:
    insured_number: str
    levels: tuple[str, ...]  # certified levels in force in the service month, lowest first


@dataclass
class SimulatedRecordFile:
    data: bytes = b""
    month: date | None = None  # the processing month (審査年月): the month after the service month
    lines: int = 0
    injected: dict[int, str] = field(default_factory=dict)  # line -> the parser's code
    refused: dict[int, str] = field(default_factory=dict)  # line -> the intake's code
    reimbursed: int = 0


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def certified_people(service_month: date) -> list[CertifiedPerson]:
    """The persons certified on at least one day of ``service_month`` with their insured numbers,
    by insured number (certification's and eligibility's public selectors; nothing logged: a
    simulator's read, never a screen)."""
    from certification.decisions.selectors import certified_levels_in_month
    from eligibility.residents.selectors import insured_numbers_of

    first = service_month.replace(day=1)
    levels = certified_levels_in_month(first, next_month(first) - timedelta(days=1))
    numbers = insured_numbers_of(sorted(levels))
    return sorted((CertifiedPerson(numbers[pid], tuple(lv)) for pid, lv in levels.items() if pid in numbers),
                  key=lambda p: p.insured_number)


def _record(rng: random.Random, service: str, units: int, rate: int, assisted: bool, reimbursed_share: float):
    price = UNIT_PRICES[service]
    total = total_cost_of(units, price)
    if service in ("43", "46"):
        rate = 100  # care management: no co-payment (法 §46, §58)
    insurer = insurer_amount_of(total, rate)
    public, copay = (total - insurer, 0) if assisted else (0, total - insurer)
    route = PaymentRoute.REIMBURSED if rng.random() < reimbursed_share else PaymentRoute.IN_KIND
    return service, route, units, price, total, rate, insurer, public, copay


def person_records(person: CertifiedPerson, *, service_month: date, seed: int, reimbursed_share: float) -> list[tuple]:
    """The records (service type, route, units, unit price, total, rate, insurer, public, co-payment)
    of one person for the month, by the person's draw."""
    rng = random.Random(f"kokuhoren:{seed}:{person.insured_number}:{service_month.isoformat()}")
    if rng.random() < 0.08:
        return []
    level = max(person.levels)
    limit = monthly_limit(level, service_month) or 0
    draw = rng.random()
    rate = 90 if draw < 0.88 else 80 if draw < 0.95 else 70
    assisted = rng.random() < 0.02
    days = (next_month(service_month) - service_month).days
    out = []

    def add(service: str, units: int) -> None:
        out.append(_record(rng, service, units, rate, assisted, reimbursed_share))

    if level in SUPPORT_LEVEL_CODES:
        add("46", 442)
        services = rng.sample(SUPPORT_HOME, rng.randint(1, 2))
    else:
        facility = rng.random()
        if facility < (0.35 if level >= "23" else 0.08):
            kind = rng.choice(("51", "52", "55") if level >= "23" else ("52", "55"))
            add(kind, days * rng.randint(*DAILY_UNITS[kind]))
            return out
        if facility < (0.40 if level >= "23" else 0.13):
            kind = rng.choice(("32", "33"))
            add(kind, days * rng.randint(*DAILY_UNITS[kind]))
            return out
        add("43", 1076 if level <= "22" else 1398)
        services = rng.sample(CARE_HOME, rng.randint(1, 4))
    budget = int(limit * rng.uniform(0.35, 0.95))
    weights = [rng.random() + 0.2 for _ in services]
    for service, weight in zip(services, weights, strict=True):
        units = max(100, int(budget * weight / sum(weights)))
        add(service, units)
    if rng.random() < 0.12:
        add("31" if level not in SUPPORT_LEVEL_CODES else "34", rng.choice((299, 515, 587)))
    return out


def _faults(values: list[str], kind: int, processing: date) -> tuple[list[str], str]:
    """A good line's values made faulty in one of the ways the parser refuses: (values, code)."""
    v = list(values)
    faults = (
        (lambda: v.__setitem__(6, "12a"), "units_invalid"),
        (lambda: v.__setitem__(8, str(int(v[8]) + 1)), "total_cost_mismatch"),
        (lambda: v.__setitem__(12, str(int(v[12]) + 5)), "amounts_mismatch"),
        (lambda: v.__setitem__(4, "99"), "service_type_unknown"),
        (lambda: v.__setitem__(5, "3"), "route_unknown"),
        (lambda: v.__setitem__(3, month_text(processing.year, processing.month)), "service_month_not_before"),
        (lambda: v.__setitem__(3, f"{processing.year}13"), "service_month_invalid"),
        (lambda: v.__setitem__(7, "12.00"), "unit_price_out_of_range"),
        (lambda: v.__setitem__(9, "50"), "benefit_rate_invalid"),
        (lambda: v.__setitem__(1, v[1][:9]), "insured_number_invalid"),
        (lambda: v.pop(), "field_count"),
    )
    change, code = faults[kind % len(faults)]
    change()
    return v, code


def simulate_records(people: Sequence[CertifiedPerson], *, service_month: date, seed: int,
                     uncertified: Sequence[str] = (), unknown: int = 0, mismatched: int = 0, bad_lines: int = 0,
                     reimbursed_share: float = 0.005, serial_start: int = 1) -> SimulatedRecordFile:
    """The benefit-record file of ``service_month`` (any day of it), sent in the month after."""
    service_month = service_month.replace(day=1)
    processing = next_month(service_month)
    month = month_text(service_month.year, service_month.month)
    made = SimulatedRecordFile(month=processing)
    lines: list[str] = []
    serial = serial_start
    rng = random.Random(f"kokuhoren-file:{seed}:{service_month.isoformat()}")

    def emit(number: str, record: tuple, provider_rng: random.Random) -> list[str]:
        nonlocal serial
        service, route, units, price, total, rate, insurer, public, copay = record
        provider = f"14{service}{provider_rng.randrange(1_000_000):06d}"
        values = [str(serial), number, provider, month, service, ROUTE_FILE_CODES[route], str(units),
                  unit_price_text(price), str(total), str(rate), str(insurer), str(public), str(copay)]
        serial += 1
        if route == PaymentRoute.REIMBURSED:
            made.reimbursed += 1
        return values

    for person in people:
        records = person_records(person, service_month=service_month, seed=seed, reimbursed_share=reimbursed_share)
        for record in records:  # one per service type: person_records draws each type once
            lines.append(line_encode(emit(person.insured_number, record, rng)))
    for number in uncertified:
        for record in person_records(CertifiedPerson(number, ("22",)), service_month=service_month, seed=seed,
                                     reimbursed_share=0.0)[:1] or [_record(rng, "43", 1076, 90, False, 0.0)]:
            lines.append(line_encode(emit(number, record, rng)))
            made.refused[len(lines) + 1] = "not_certified"
    for k in range(unknown):
        number = f"{UNKNOWN_PREFIX}{k:08d}"
        lines.append(line_encode(emit(number, _record(rng, "15", 800, 90, False, 0.0), rng)))
        made.refused[len(lines) + 1] = "person_unknown"
    care = [p for p in people if max(p.levels) >= "21" and min(p.levels) >= "21"]
    for k in range(min(mismatched, len(care))):
        lines.append(line_encode(emit(care[k].insured_number, _record(rng, "67", 300, 90, False, 0.0), rng)))
        made.refused[len(lines) + 1] = "service_type_level"
    for k in range(bad_lines):
        good = emit(f"{UNKNOWN_PREFIX}{k:08d}", _record(rng, "15", 900, 90, False, 0.0), rng)
        values, code = _faults(good, k, processing)
        lines.append(line_encode(values))
        made.injected[len(lines) + 1] = code
    made.lines = len(lines)
    made.data = LAYOUT.file(lines)
    return made
