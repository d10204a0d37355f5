"""The registry's side of the change file, simulated: a realistic day of changes for the synthetic
city, in the format of format.py, deterministic for a seed.

The mix is that of a spring moving-season day: mostly move-ins (often whole households, some
aged 65+, a few into facilities), move-outs and moves within the city; household changes;
births; deaths weighted to the old; a few name changes, corrections and ex-officio entries.
Effective dates are mostly a few days before the file's day, some weeks old (late
notifications); some move-outs are notified ahead of the move.

The simulator knows the residents only by their snapshot (number, household, birth date, ward,
status, sex: no decryption), so names and addresses written on existing persons' lines (births
into a household, name changes, corrections, moves) are made up like the rest of the city: by the
population model the synthetic city is generated from (population.py).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from eligibility.codes import Relation, ResidenceStatus, Sex, municipality_code
from eligibility.intake.format import (
    ABROAD,
    ATTRS,
    LAYOUT,
    KindOfChange,
    line_encode,
)
from eligibility.qualification.rules import years_before
from eligibility.residents.rules import my_number_check_digit
from linkage.registry.population import (
    WARD_WEIGHTS,
    CityPlan,
    address_make,
    given_name_choose,
)


@dataclass(frozen=True, slots=True)
class ResidentSnapshot:
    person_id: int
    household_id: int | None
    birth_date: date
    ward: str
    status: str
    sex: str


@dataclass
class SimulatedDay:
    data: bytes
    # line number -> the error code the parser must give for each injected bad line
    injected: dict[int, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # good lines by kind of change


# Events of a day, by weight (a move-in event may write a whole household).
EVENT_WEIGHTS = {
    KindOfChange.MOVE_IN: 220,
    KindOfChange.MOVE_OUT: 200,
    KindOfChange.MOVE_WITHIN: 200,
    KindOfChange.HOUSEHOLD_CHANGE: 80,
    KindOfChange.BIRTH: 40,
    KindOfChange.DEATH: 45,
    KindOfChange.NAME_CHANGE: 30,
    KindOfChange.CORRECTION: 15,
    KindOfChange.EX_OFFICIO_ENTRY: 5,
    KindOfChange.EX_OFFICIO_REMOVAL: 5,
}
MOVE_IN_SIZES = {1: 52, 2: 24, 3: 13, 4: 9, 5: 2}
ELDERLY_MOVE_IN_SHARE = 0.08  # of move-in events: persons aged 65+ (alone or a couple)
FACILITY_SHARE_ELDERLY = 0.3  # of elderly move-ins, when facilities are known
FACILITY_SHARE_MOVE_WITHIN = 0.1  # of moves within the city by persons aged 75+
FACILITY_SHARE_MOVE_OUT = 0.1  # of move-outs of persons aged 75+, when outside facilities are known
MY_NUMBER_SHARE = 0.85  # lines of new persons that carry My Number
ABROAD_SHARE = 0.03

# Where movers come from and go to (public local government codes, five digits; the check digit
# is computed): Tokyo's special wards, Yokohama's wards, nearby cities and other large cities.
MUNICIPALITY_BASES = (
    [f"131{n:02d}" for n in range(1, 24)]  # Tokyo 23 wards
    + [f"141{n:02d}" for n in range(1, 19)]  # Yokohama's wards
    + ["14201", "14203", "14204", "14205", "14150", "13201", "13209", "13208", "13214", "13219", "11100", "12100",
       "01100", "04100", "23100", "26100", "27100", "28100", "34100", "40130"]
)

_ALIVE_HERE = ResidenceStatus.RESIDENT.value  # only residents move, die or are removed
_SEXES = tuple(Sex.values)
_INDEX = {attr: n for n, attr in enumerate(ATTRS)}


def simulate_day(residents: Sequence[ResidentSnapshot], *, day: date, size: int, seed: int,
                 new_person_ids: Iterator[int], new_household_ids: Iterator[int],
                 facility_codes: Sequence[str] = (), bad_lines: int = 0, serial_start: int = 1,
                 outside_facilities: Mapping[str, str] | None = None) -> bytes:
    """The change file of ``day``: ``size`` lines after the header, ``bad_lines`` of them faulty.
    ``facility_codes``: facilities in this city (moves into them); ``outside_facilities``: facilities
    in other municipalities, code -> municipality code (move-outs into them)."""
    return simulate_day_with_faults(
        residents, day=day, size=size, seed=seed, new_person_ids=new_person_ids,
        new_household_ids=new_household_ids, facility_codes=facility_codes, bad_lines=bad_lines,
        serial_start=serial_start, outside_facilities=outside_facilities,
    ).data


def simulate_day_with_faults(residents: Sequence[ResidentSnapshot], *, day: date, size: int, seed: int,
                             new_person_ids: Iterator[int], new_household_ids: Iterator[int],
                             facility_codes: Sequence[str] = (), bad_lines: int = 0,
                             serial_start: int = 1,
                             outside_facilities: Mapping[str, str] | None = None) -> SimulatedDay:
    """simulate_day, also telling which lines are faulty (and the parser's code for each) and how
    many good lines of each kind were written."""
    if size < 0 or not 0 <= bad_lines <= size:
        raise ValueError("size >= 0 and 0 <= bad_lines <= size expected")
    if serial_start < 1 or serial_start + size > 10**12:
        raise ValueError("serials must stay within 12 digits")
    day_sim = _Day(residents, day=day, rng=random.Random(f"registry-day:{seed}"), new_person_ids=new_person_ids,
                   new_household_ids=new_household_ids, facility_codes=facility_codes,
                   outside_facilities=outside_facilities or {})
    good = day_sim.lines(size - bad_lines)
    rng = day_sim.rng
    bad_positions = set(rng.sample(range(size), bad_lines))
    serials = itertools.count(serial_start)
    out: list[str] = []  # the data lines (LAYOUT.file adds the header and the trailer)
    injected: dict[int, str] = {}
    counts: dict[str, int] = {}
    good_iter = iter(good)
    seen_serials: list[str] = []  # serials the parser will have registered (a duplicate must follow one)
    for position in range(size):
        line_no = position + 2
        serial = f"{next(serials):012d}"
        if position in bad_positions:
            text, code = day_sim.bad_line(serial, seen_serials)
            injected[line_no] = code
            if code not in _UNREAD_SERIAL:
                seen_serials.append(serial)
        else:
            values = next(good_iter)
            values[0] = serial
            counts[values[1]] = counts.get(values[1], 0) + 1
            text = line_encode(values)
            seen_serials.append(serial)
        out.append(text)
    return SimulatedDay(data=LAYOUT.file(out), injected=injected, counts=counts)


class _Day:
    def __init__(self, residents, *, day, rng, new_person_ids, new_household_ids, facility_codes, outside_facilities):
        self.residents = residents
        self.day = day
        self.rng = rng
        self.new_person_ids = new_person_ids
        self.new_household_ids = new_household_ids
        self.facility_codes = list(facility_codes)
        self.outside_facilities = sorted(outside_facilities.items())
        plan = CityPlan(seed=0, as_of=day)
        self.surnames = plan.surnames
        self.surname_cum = list(itertools.accumulate(plan.surname_weights))
        self.wards = list(WARD_WEIGHTS)
        self.ward_cum = list(itertools.accumulate(WARD_WEIGHTS.values()))
        self.origins = [municipality_code(b) for b in MUNICIPALITY_BASES]
        self.events = list(EVENT_WEIGHTS)
        self.event_cum = list(itertools.accumulate(EVENT_WEIGHTS.values()))
        self.sizes = list(MOVE_IN_SIZES)
        self.size_cum = list(itertools.accumulate(MOVE_IN_SIZES.values()))
        # One pass over the city: who may change today, the elderly, and households' members.
        cutoff_65 = years_before(day, 65)
        born_before = day - timedelta(days=61)  # older than any effective date written (and born by then)
        self.eligible: list[int] = [i for i, r in enumerate(residents)
                                    if r.status == _ALIVE_HERE and r.birth_date < born_before]
        self.elderly: list[int] = [i for i in self.eligible if residents[i].birth_date <= cutoff_65]
        self.members: dict[int, list[int]] = {}
        for i in self.eligible:
            household_id = residents[i].household_id
            if household_id is not None:
                members = self.members.get(household_id)
                if members is None:
                    self.members[household_id] = [i]
                else:
                    members.append(i)
        self.used: set[int] = set()  # each existing person changes at most once a day

    # ----- small helpers -----------------------------------------------------------------------

    def age(self, birth: date, on: date | None = None) -> int:
        on = on or self.day
        return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))

    def effective(self) -> date:
        """Mostly a few days before the file's day; some weeks old (late notifications)."""
        r = self.rng.random()
        if r < 0.9:
            return self.day - timedelta(days=self.rng.randint(1, 7))
        return self.day - timedelta(days=self.rng.randint(14, 60))

    def notified(self, effective: date) -> date:
        """On or after the change, before the file's day."""
        latest = self.day - timedelta(days=1)
        earliest = max(effective, self.day - timedelta(days=7))
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def surname(self) -> tuple[str, str]:
        return self.rng.choices(self.surnames, cum_weights=self.surname_cum)[0]

    def ward(self) -> str:
        return self.rng.choices(self.wards, cum_weights=self.ward_cum)[0]

    def my_number(self) -> str:
        first = f"{self.rng.randrange(10**11):011d}"
        return first + str(my_number_check_digit(first))

    def municipality(self) -> str:
        return ABROAD if self.rng.random() < ABROAD_SHARE else self.rng.choice(self.origins)

    def born(self, age: int, on: date) -> date:
        """A birth date that makes the person ``age`` years old on ``on``."""
        return years_before(on, age) - timedelta(days=self.rng.randint(0, 364))

    def pick(self, pool: list[int], accept=None, tries: int = 60) -> int | None:
        """An unused resident from ``pool`` (indexes), accepted with probability ``accept(r)``."""
        if not pool:
            return None
        for _ in range(tries):
            index = pool[self.rng.randrange(len(pool))]
            if index in self.used:
                continue
            if accept is not None and self.rng.random() >= accept(self.residents[index]):
                continue
            self.used.add(index)
            return index
        return None

    @staticmethod
    def line(**values) -> list[str]:
        out = [""] * len(ATTRS)
        for attr, value in values.items():
            if value is None:
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, Enum):
                value = value.value
            elif not isinstance(value, str):
                value = str(value)
            out[_INDEX[attr]] = value
        return out

    # ----- the day --------------------------------------------------------------------------------

    def lines(self, count: int) -> list[list[str]]:
        out: list[list[str]] = []
        handlers = {
            KindOfChange.MOVE_IN: self.move_in, KindOfChange.MOVE_OUT: self.move_out,
            KindOfChange.MOVE_WITHIN: self.move_within, KindOfChange.HOUSEHOLD_CHANGE: self.household_change,
            KindOfChange.BIRTH: self.birth, KindOfChange.DEATH: self.death, KindOfChange.NAME_CHANGE: self.name_change,
            KindOfChange.CORRECTION: self.correction, KindOfChange.EX_OFFICIO_ENTRY: self.ex_officio_entry,
            KindOfChange.EX_OFFICIO_REMOVAL: self.ex_officio_removal,
        }
        while len(out) < count:
            kind = self.rng.choices(self.events, cum_weights=self.event_cum)[0]
            event = handlers[kind](count - len(out))
            if not event:  # nobody fits (a small city, or everyone changed already): someone moves in
                event = self.move_in(count - len(out))
            out.extend(event)
        return out

    def move_in(self, room: int) -> list[list[str]]:
        rng = self.rng
        effective = self.effective()
        notified = self.notified(effective)
        origin = self.municipality()
        if rng.random() < ELDERLY_MOVE_IN_SHARE:
            size = min(room, rng.choice((1, 1, 2)))
            ages = [rng.randint(65, 95)]
            if size == 2:
                ages.append(max(65, min(100, ages[0] + rng.randint(-5, 5))))
            # an elderly parent moving in with a child's household here
            if size == 1 and rng.random() < 0.15:
                host = self.pick(self.eligible,
                                 lambda r: r.household_id is not None and 30 <= self.age(r.birth_date) <= 64)
                if host is not None:
                    r = self.residents[host]
                    sex = rng.choice(_SEXES)
                    return [self.new_person_line(KindOfChange.MOVE_IN, effective, notified, r.household_id,
                                                 Relation.PARENT, self.surname(), sex, self.born(ages[0], effective),
                                                 r.ward, address_make(rng, r.ward), from_municipality=origin)]
            facility = (rng.choice(self.facility_codes)
                        if self.facility_codes and size == 1 and rng.random() < FACILITY_SHARE_ELDERLY else None)
        else:
            size = min(room, rng.choices(self.sizes, cum_weights=self.size_cum)[0])
            head_age = rng.randint(18, 30) if size == 1 and rng.random() < 0.7 else rng.randint(22, 60)
            ages = [head_age]
            if size >= 2:
                ages.append(max(18, head_age + rng.randint(-5, 5)))
            while len(ages) < size:
                ages.append(max(0, min(head_age - 20, rng.randint(0, 17))))
            facility = None
        household_id = next(self.new_household_ids)
        ward = self.ward()
        address = address_make(rng, ward)
        surname = self.surname()
        head_sex = rng.choice(_SEXES)
        out = []
        for position, age in enumerate(ages):
            if position == 0:
                relation, sex = Relation.HEAD, head_sex
            elif position == 1:
                relation, sex = Relation.SPOUSE, (Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE)
            else:
                relation, sex = Relation.CHILD, rng.choice(_SEXES)
            out.append(self.new_person_line(KindOfChange.MOVE_IN, effective, notified, household_id, relation, surname,
                                            sex, self.born(age, effective), ward, address, from_municipality=origin,
                                            facility_code=facility))
        return out

    def new_person_line(self, kind, effective, notified, household_id, relation, surname, sex, birth, ward, address,
                        **extra) -> list[str]:
        given = given_name_choose(self.rng, sex, birth)
        return self.line(
            kind=kind, effective_on=effective, notified_on=notified, person_id=next(self.new_person_ids),
            household_id=household_id, relation=relation,
            my_number=self.my_number() if self.rng.random() < MY_NUMBER_SHARE else None,
            name_kanji=f"{surname[0]} {given[0]}", name_kana=f"{surname[1]} {given[1]}", sex=sex, birth_date=birth,
            ward=ward, address=address, **extra,
        )

    def ex_officio_entry(self, room: int) -> list[list[str]]:
        effective = self.effective()
        ward = self.ward()
        return [self.new_person_line(KindOfChange.EX_OFFICIO_ENTRY, effective, None, next(self.new_household_ids),
                                     Relation.HEAD, self.surname(), self.rng.choice(_SEXES),
                                     self.born(self.rng.randint(20, 80), effective), ward,
                                     address_make(self.rng, ward))]

    def birth(self, room: int) -> list[list[str]]:
        parent = self.pick(self.eligible, lambda r: r.household_id is not None and 20 <= self.age(r.birth_date) <= 45)
        if parent is None:
            return []
        r = self.residents[parent]
        born = self.day - timedelta(days=self.rng.randint(1, 14))
        notified = self.notified(born)
        return [self.new_person_line(KindOfChange.BIRTH, born, notified, r.household_id, Relation.CHILD, self.surname(),
                                     self.rng.choice(_SEXES), born, r.ward, address_make(self.rng, r.ward))]

    def death(self, room: int) -> list[list[str]]:
        if self.rng.random() < 0.9:
            # mortality roughly doubles every eight years of age
            index = self.pick(self.elderly, lambda r: min(1.0, math.exp(0.085 * (self.age(r.birth_date) - 95))),
                              tries=200)
        else:
            index = self.pick(self.eligible)
        if index is None:
            return []
        r = self.residents[index]
        effective = max(self.effective(), r.birth_date)
        return [self.line(kind=KindOfChange.DEATH, effective_on=effective, notified_on=self.notified(effective),
                          person_id=r.person_id, birth_date=r.birth_date)]

    def household_of(self, index: int) -> list[int]:
        """``index`` and the other unused residents of its household."""
        r = self.residents[index]
        if r.household_id is None:
            return [index]
        others = [i for i in self.members.get(r.household_id, ()) if i != index and i not in self.used]
        self.used.update(others)
        return [index, *others]

    def move_out(self, room: int) -> list[list[str]]:
        index = self.pick(self.eligible, lambda r: 1.0 if 18 <= self.age(r.birth_date) <= 40 else 0.4)
        if index is None:
            return []
        people = self.household_of(index) if self.rng.random() < 0.35 else [index]
        people = people[:room]
        if self.rng.random() < 0.15:  # notified ahead of the move
            effective = self.day + timedelta(days=self.rng.randint(1, 14))
            notified = self.day - timedelta(days=self.rng.randint(1, 7))
        else:
            effective = self.effective()
            notified = self.day - timedelta(days=self.rng.randint(1, 7))
        destination = self.municipality()
        facility = None
        if (self.outside_facilities and len(people) == 1 and self.age(self.residents[index].birth_date) >= 75
                and self.rng.random() < FACILITY_SHARE_MOVE_OUT):  # into a facility elsewhere (住所地特例?)
            facility, destination = self.rng.choice(self.outside_facilities)
        out = []
        for i in people:
            r = self.residents[i]
            out.append(self.line(kind=KindOfChange.MOVE_OUT, effective_on=max(effective, r.birth_date),
                                 notified_on=notified, person_id=r.person_id, birth_date=r.birth_date,
                                 to_municipality=destination, facility_code=facility))
        return out

    def move_within(self, room: int) -> list[list[str]]:
        rng = self.rng
        index = self.pick(self.eligible)
        if index is None:
            return []
        r = self.residents[index]
        effective = max(self.effective(), r.birth_date)
        notified = self.notified(effective)
        if self.facility_codes and self.age(r.birth_date) >= 75 and rng.random() < FACILITY_SHARE_MOVE_WITHIN:
            ward = self.ward()
            return [self.line(kind=KindOfChange.MOVE_WITHIN, effective_on=effective, notified_on=notified,
                              person_id=r.person_id, household_id=next(self.new_household_ids), relation=Relation.HEAD,
                              birth_date=r.birth_date, ward=ward, address=address_make(rng, ward),
                              facility_code=rng.choice(self.facility_codes))]
        ward = self.ward() if rng.random() < 0.3 else r.ward
        address = address_make(rng, ward)
        if rng.random() < 0.25:  # leaves the household: a household of their own at the new address
            return [self.line(kind=KindOfChange.MOVE_WITHIN, effective_on=effective, notified_on=notified,
                              person_id=r.person_id, household_id=next(self.new_household_ids), relation=Relation.HEAD,
                              birth_date=r.birth_date, ward=ward, address=address)]
        out = []
        for i in self.household_of(index)[:room]:  # the household moves together
            m = self.residents[i]
            out.append(self.line(kind=KindOfChange.MOVE_WITHIN, effective_on=max(effective, m.birth_date),
                                 notified_on=notified if notified >= m.birth_date else self.day - timedelta(days=1),
                                 person_id=m.person_id, birth_date=m.birth_date, ward=ward, address=address))
        return out

    def household_change(self, room: int) -> list[list[str]]:
        rng = self.rng
        index = self.pick(self.eligible, lambda r: self.age(r.birth_date) >= 18)
        if index is None:
            return []
        r = self.residents[index]
        effective = max(self.effective(), r.birth_date)
        notified = self.notified(effective)
        variant = rng.random()
        if variant < 0.55 or r.household_id is None:  # 世帯分離: a household of their own
            household_id, relation = next(self.new_household_ids), Relation.HEAD
        elif variant < 0.8:  # 世帯主変更: becomes the head of the same household
            household_id, relation = r.household_id, Relation.HEAD
        else:  # 世帯合併: joins another household of the same ward
            host = None
            for _ in range(30):
                candidate = self.residents[self.eligible[rng.randrange(len(self.eligible))]]
                if candidate.ward == r.ward and candidate.household_id not in (None, r.household_id):
                    host = candidate
                    break
            if host is None:
                household_id, relation = next(self.new_household_ids), Relation.HEAD
            else:
                household_id = host.household_id
                relation = rng.choice((Relation.SPOUSE, Relation.PARENT, Relation.OTHER))
        return [self.line(kind=KindOfChange.HOUSEHOLD_CHANGE, effective_on=effective, notified_on=notified,
                          person_id=r.person_id, household_id=household_id, relation=relation, birth_date=r.birth_date)]

    def name_change(self, room: int) -> list[list[str]]:
        index = self.pick(self.eligible, lambda r: 1.0 if 20 <= self.age(r.birth_date) <= 60 else 0.05)
        if index is None:
            return []
        r = self.residents[index]
        effective = max(self.effective(), r.birth_date)
        surname, given = self.surname(), given_name_choose(self.rng, r.sex, r.birth_date)
        return [self.line(kind=KindOfChange.NAME_CHANGE, effective_on=effective, notified_on=effective,
                          person_id=r.person_id, name_kanji=f"{surname[0]} {given[0]}",
                          name_kana=f"{surname[1]} {given[1]}", birth_date=r.birth_date)]

    def correction(self, room: int) -> list[list[str]]:
        rng = self.rng
        index = self.pick(self.eligible)
        if index is None:
            return []
        r = self.residents[index]
        effective = max(self.effective(), r.birth_date)
        variant = rng.random()
        if variant < 0.5:  # the name or its reading
            surname, given = self.surname(), given_name_choose(rng, r.sex, r.birth_date)
            return [self.line(kind=KindOfChange.CORRECTION, effective_on=effective, person_id=r.person_id,
                              birth_date=r.birth_date, name_kanji=f"{surname[0]} {given[0]}",
                              name_kana=f"{surname[1]} {given[1]}")]
        if variant < 0.8:  # the birth date (a few days off)
            birth = min(effective, r.birth_date + timedelta(days=rng.choice((-3, -2, -1, 1, 2, 3))))
            return [self.line(kind=KindOfChange.CORRECTION, effective_on=effective, person_id=r.person_id,
                              birth_date=birth)]
        return [self.line(kind=KindOfChange.CORRECTION, effective_on=effective, person_id=r.person_id,
                          birth_date=r.birth_date, ward=r.ward, address=address_make(rng, r.ward))]

    def ex_officio_removal(self, room: int) -> list[list[str]]:
        index = self.pick(self.eligible)
        if index is None:
            return []
        r = self.residents[index]
        return [self.line(kind=KindOfChange.EX_OFFICIO_REMOVAL, effective_on=max(self.effective(), r.birth_date),
                          person_id=r.person_id, birth_date=r.birth_date)]

    # ----- faults ---------------------------------------------------------------------------------

    def bad_line(self, serial: str, earlier_serials: list[str]) -> tuple[str, str]:
        """A faulty line and the code the parser gives it. Built from a good move-in line (new ids
        are taken for it like for a good one), then broken in one way."""
        rng = self.rng
        faults = list(_FAULTS)
        if not earlier_serials:
            faults.remove("serial_duplicate")
        fault = rng.choice(faults)
        values = self.move_in(1)[0]
        values[0] = serial
        i = _INDEX
        if fault == "csv_malformed":
            values[i["address"]] = '"' + values[i["address"]]
            return ",".join(values), fault
        if fault == "field_count":
            return line_encode(values[:-1]), fault
        if fault == "serial_duplicate":
            values[0] = rng.choice(earlier_serials)
        elif fault == "kind_unknown":
            values[1] = "Z9"
        elif fault == "date_invalid":
            values[i["effective_on"]] = f"{self.day.year}-02-30"
        elif fault == "effective_in_future":
            values[i["effective_on"]] = "2999-04-01"
        elif fault == "required_missing":
            values[i["name_kanji"]] = ""
            values[i["name_kana"]] = ""
        elif fault == "my_number_check_digit":
            number = self.my_number()
            values[i["my_number"]] = number[:11] + str((int(number[11]) + 1) % 10)
        elif fault == "kana_invalid":
            values[i["name_kana"]] = values[i["name_kanji"]] + "X"
        elif fault == "sex_invalid":
            values[i["sex"]] = "3"
        elif fault == "ward_invalid":
            values[i["ward"]] = "yokohama"
        elif fault == "municipality_code_invalid":
            code = rng.choice(self.origins)
            values[i["from_municipality"]] = code[:5] + str((int(code[5]) + 1) % 10)
        elif fault == "death_before_birth":
            birth = date.fromisoformat(values[i["birth_date"]])
            values = self.line(kind=KindOfChange.DEATH, effective_on=birth - timedelta(days=rng.randint(1, 400)),
                               notified_on=self.day - timedelta(days=1), person_id=values[i["person_id"]],
                               birth_date=birth)
            values[0] = serial
        return line_encode(values), fault


# Faults found before the serial is read: such a line's serial is not known to the parser.
_UNREAD_SERIAL = frozenset({"csv_malformed", "field_count"})
_FAULTS = (
    "csv_malformed", "field_count", "serial_duplicate", "kind_unknown", "date_invalid", "effective_in_future",
    "required_missing", "my_number_check_digit", "kana_invalid", "sex_invalid", "ward_invalid",
    "municipality_code_invalid", "death_before_birth",
)
