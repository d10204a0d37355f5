"""The population of the synthetic city, as the resident registry holds it: wards and their towns,
age bands, household sizes, name pools (names.py), the makers of addresses and given names, and
``CityPlan``, which lays out deterministic households (same seed, same people). Pure: no database,
no encryption.

Two users share it: the registry's simulator (simulator.py: the people a day's change file moves
in, renames or re-addresses look like the rest of the city) and the synthetic city's generator
(synthetic/city.py: the city's first population, encrypted and written by COPY). The generator
is above linkage (the ``synthetic`` app) and linkage may not import it, so the model lives here,
with the registry whose people it describes, the lowest place both can import. See
docs/subsystems/synthetic.md.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from eligibility.codes import Relation, Sex, Ward
from eligibility.residents.rules import my_number_check_digit
from linkage.registry.names import (
    GIVEN_FEMALE,
    GIVEN_FEMALE_COMPOSED,
    GIVEN_MALE,
    GIVEN_MALE_COMPOSED,
    SURNAME_TAIL,
    SURNAME_TAIL_WEIGHT,
    SURNAMES,
)

# Residents per ward (weights close to the city's real ward populations).
WARD_WEIGHTS = {
    Ward.KAWASAKI: 232, Ward.SAIWAI: 172, Ward.NAKAHARA: 264, Ward.TAKATSU: 235,
    Ward.MIYAMAE: 232, Ward.TAMA: 220, Ward.ASAO: 179,
}
TOWNS = {
    Ward.KAWASAKI: ["砂子", "小川町", "大師町", "田島町", "渡田", "藤崎"],
    Ward.SAIWAI: ["小向", "戸手", "南加瀬", "鹿島田", "古市場", "塚越"],
    Ward.NAKAHARA: ["小杉町", "新丸子町", "木月", "井田", "上小田中", "今井南町"],
    Ward.TAKATSU: ["溝口", "二子", "久本", "末長", "梶ケ谷", "千年"],
    Ward.MIYAMAE: ["宮前平", "鷺沼", "有馬", "犬蔵", "野川", "菅生"],
    Ward.TAMA: ["登戸", "宿河原", "菅", "生田", "中野島", "長沢"],
    Ward.ASAO: ["上麻生", "百合丘", "王禅寺", "片平", "栗木", "細山"],
}
# Share of residents by 5-year age band (0-4, 5-9, ... 95-99): about a quarter are 65 or older.
AGE_BANDS = [40, 42, 43, 45, 52, 56, 60, 66, 72, 80, 73, 64, 58, 55, 60, 46, 36, 25, 12, 4]
HOUSEHOLD_SIZES = {1: 38, 2: 28, 3: 17, 4: 13, 5: 4}
PHONE_SHARE = 0.6
SENSITIVE_SHARE = 0.001


def address_make(rng: random.Random, ward: str) -> str:
    """A made-up street address in ``ward``."""
    return (f"神奈川県川崎市{Ward(ward).label}{rng.choice(TOWNS[ward])}{rng.randrange(1, 6)}丁目"
            f"{rng.randrange(1, 40)}番{rng.randrange(1, 30)}号")


def given_name_choose(rng: random.Random, sex: str, born: date) -> tuple[str, str]:
    """A given name (kanji, katakana) for ``sex``, often one in fashion when they were born."""
    pool = GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE
    half = len(pool) // 2
    if rng.random() < 0.6:  # names in fashion when they were born
        return rng.choice(pool[:half] if born.year < 1975 else pool[half:])
    return rng.choice(GIVEN_MALE_COMPOSED if sex == Sex.MALE else GIVEN_FEMALE_COMPOSED)


@dataclass(frozen=True)
class Person:
    surname: tuple[str, str]
    given: tuple[str, str]
    sex: str
    birth_date: date
    relation: str
    my_number: str
    phone: str | None
    sensitive: bool


@dataclass(frozen=True)
class HouseholdPlan:
    ward: str
    address: str
    members: list[Person]


class CityPlan:
    """Deterministic people: the same seed gives the same city (chunk by chunk)."""

    def __init__(self, *, seed: int, as_of: date):
        self.seed = seed
        self.as_of = as_of
        self.surnames = [(k, r) for k, r, _ in SURNAMES] + SURNAME_TAIL
        self.surname_weights = [w for _, _, w in SURNAMES] + [SURNAME_TAIL_WEIGHT] * len(SURNAME_TAIL)
        self.wards = list(WARD_WEIGHTS)
        self.ward_weights = list(WARD_WEIGHTS.values())
        self.sizes = list(HOUSEHOLD_SIZES)
        self.size_weights = list(HOUSEHOLD_SIZES.values())

    def households(self, chunk: int, count: int, used_numbers: set[str]) -> list[HouseholdPlan]:
        rng = random.Random(f"{self.seed}:{chunk}")
        return [self._household(rng, used_numbers) for _ in range(count)]

    def _age(self, rng: random.Random, low: int = 0, high: int = 104) -> int:
        while True:
            band = rng.choices(range(len(AGE_BANDS)), AGE_BANDS)[0]
            age = band * 5 + rng.randrange(5)
            if low <= age <= high:
                return age

    def _person(self, rng, used, *, surname, age: int, sex: str, relation: str) -> Person:
        born = self.as_of - timedelta(days=age * 365 + rng.randrange(365))
        given = given_name_choose(rng, sex, born)
        while True:
            first = f"{rng.randrange(10**11):011d}"
            number = first + str(my_number_check_digit(first))
            if number not in used:
                used.add(number)
                break
        phone = f"044-{rng.randrange(200, 999)}-{rng.randrange(10000):04d}" if rng.random() < PHONE_SHARE else None
        return Person(surname, given, sex, born, relation, number, phone, rng.random() < SENSITIVE_SHARE)

    def _household(self, rng: random.Random, used: set[str]) -> HouseholdPlan:
        ward = rng.choices(self.wards, self.ward_weights)[0]
        address = address_make(rng, ward)
        surname = rng.choices(self.surnames, self.surname_weights)[0]
        size = rng.choices(self.sizes, self.size_weights)[0]
        head_age = self._age(rng, 20)
        head_sex = rng.choice([Sex.MALE, Sex.FEMALE])
        members = [self._person(rng, used, surname=surname, age=head_age, sex=head_sex, relation=Relation.HEAD)]
        if size >= 2:
            spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
            spouse_age = max(18, min(104, head_age + rng.randint(-5, 5)))
            members.append(self._person(rng, used, surname=surname, age=spouse_age, sex=spouse_sex, relation=Relation.SPOUSE))
        for _ in range(size - len(members)):
            if head_age >= 55 and rng.random() < 0.3:
                age, relation = min(104, head_age + rng.randint(22, 35)), Relation.PARENT
            else:
                age, relation = max(0, head_age - rng.randint(24, 40)), Relation.CHILD
            members.append(self._person(rng, used, surname=surname, age=age,
                                        sex=rng.choice([Sex.MALE, Sex.FEMALE]), relation=relation))
        return HouseholdPlan(ward, address, members)
