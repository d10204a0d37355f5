"""Capture the staff screens of the benchmark city, and compare two captures.

A change that should leave every page as it was (moving markup between Python and templates,
another template engine, a module moved) is checked by capturing the same pages before and after
it and comparing them:

    make bench BENCH=bench/pages.py ARGS="capture var/pages-before"
    ... the change ...
    make bench BENCH=bench/pages.py ARGS="capture var/pages-after"
    .venv/bin/python bench/pages.py compare var/pages-before var/pages-after

The pages are read through Django's full middleware stack (the test client, signed in with
force_login) from the benchmark database that bench/person_screens.py, premium_tab.py and
qualification_tab.py prepared: person search (POST, kana name) and overview of 200 sampled
residents; the qualification, notification and card tabs of the qualification sample; the
premium tab of the premium sample for every levied year, with its counter-payment and reduction
pages; the arrears list of every ward; the simulator; home; the error pages. They are read as a
ward clerk and as a head-office clerk.

``compare`` ignores what differs from one request to the next (CSRF tokens) and the white space
between and inside tags' text runs (the same HTML with another indentation), and prints the
first differing place of each page that differs. The captures stay in var/ (synthetic people
only, but never committed).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import random
import re
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')
BETWEEN_TAGS = re.compile(r">\s+<")
SPACES = re.compile(r"\s+")


def normalise(html: str) -> str:
    html = TOKEN.sub(r'\1-"', html)
    html = BETWEEN_TAGS.sub("><", html)
    return SPACES.sub(" ", html).strip()


def capture(out: Path, persons: int) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")
    import django

    django.setup()
    from django.db.models import Max, Min
    from django.test import Client

    from eligibility.codes import StayKind, Ward
    from eligibility.models import FacilityStay, Resident
    from kaigo.staff.models import Staff
    from kaigo.staff.roles import Organisation, Role
    from kaigo.staff.services import staff_create
    from premiums.models import Levy

    def staff(username: str, role: Role, organisation: Organisation) -> Staff:
        found = Staff.objects.filter(username=username).first()
        if found is None:
            found = staff_create(username=username, display_name="画面 比較", organisation=organisation,
                                 roles=[role], password=os.urandom(12).hex() + "Aa1!", actor=None, reason="画面の比較")
        found.must_change_password = False
        found.save()
        return found

    out.mkdir(parents=True, exist_ok=True)
    pages: dict[str, str] = {}

    def get(client: Client, name: str, path: str, **kwargs) -> None:
        response = client.get(path, **kwargs)
        pages[name] = f"{response.status_code}\n{response.content.decode()}"

    def post(client: Client, name: str, path: str, data: dict) -> None:
        response = client.post(path, data)
        pages[name] = f"{response.status_code}\n{response.content.decode()}"

    ward = Client(HTTP_HOST="localhost")
    ward.force_login(staff("pages-ward", Role.WARD_CLERK, Organisation.NAKAHARA))
    head = Client(HTTP_HOST="localhost")
    head.force_login(staff("pages-head", Role.HEAD_OFFICE_CLERK, Organisation.HEAD_OFFICE))

    bounds = Resident.objects.aggregate(lo=Min("id"), hi=Max("id"))
    picked = random.Random(7).sample(range(bounds["lo"], bounds["hi"] + 1), persons)
    sample = list(Resident.objects.filter(pk__in=picked).order_by("pk"))
    premium_ids = sorted(set(Levy.objects.filter(fiscal_year=2017).values_list("resident_id", flat=True)))[:persons]
    qualification_ids = sorted(set(FacilityStay.objects.filter(kind=StayKind.EXEMPTION, facility__isnull=True)
                                   .values_list("resident_id", flat=True)))[:persons]

    for client, who in ((ward, "ward"), (head, "head")):
        get(client, f"{who}-home", "/")
        get(client, f"{who}-search", "/persons/")
        get(client, f"{who}-simulator", "/premiums/simulator/")
        post(client, f"{who}-simulator-post", "/premiums/simulator/",
             {"fiscal_year": "2026", "household_taxed": "on", "total_income": "800000",
              "taxable_pension_income": "700000", "pension_misc_income": "0", "salary_income": "0",
              "special_deduction": "0", "months": "12"})
        get(client, f"{who}-404", "/persons/999999999999/")
        for r in sample[:50]:
            post(client, f"{who}-search-{r.pk}", "/persons/", {"kana_name": r.name_kana})
        for r in sample:
            get(client, f"{who}-overview-{r.pk}", f"/persons/{r.pk}/")
        for pk in qualification_ids:
            get(client, f"{who}-qualification-{pk}", f"/persons/{pk}/qualification/")
        for pk in qualification_ids[:20]:
            get(client, f"{who}-notify-{pk}", f"/persons/{pk}/qualification/notify/")
            get(client, f"{who}-cards-{pk}", f"/persons/{pk}/qualification/cards/")
        for pk in premium_ids:
            get(client, f"{who}-premiums-{pk}", f"/persons/{pk}/premiums/")
            for year in sorted(set(Levy.objects.filter(resident_id=pk).values_list("fiscal_year", flat=True))):
                get(client, f"{who}-premiums-{pk}-{year}", f"/persons/{pk}/premiums/", data={"year": year})
        for pk in premium_ids[:20]:
            get(client, f"{who}-payment-{pk}", f"/persons/{pk}/premiums/payment/")
            get(client, f"{who}-reduction-{pk}", f"/persons/{pk}/premiums/reduction/")
    for code, _ in Ward.choices:
        get(head, f"head-arrears-{code}", "/premiums/arrears/", data={"ward": code})
    get(ward, "ward-arrears", "/premiums/arrears/")

    digest = hashlib.sha256()
    for name, body in sorted(pages.items()):
        (out / f"{name}.html").write_text(body, encoding="utf-8")
        digest.update(name.encode() + b"\0" + normalise(body).encode() + b"\0")
    print(f"{len(pages)} pages captured in {out} (digest of the normalised pages {digest.hexdigest()[:16]})")


def compare(before: Path, after: Path) -> int:
    names = sorted({p.name for p in before.glob("*.html")} | {p.name for p in after.glob("*.html")})
    differing = 0
    for name in names:
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            print(f"{name}: only in {'after' if not a.exists() else 'before'}")
            differing += 1
            continue
        x, y = normalise(a.read_text(encoding="utf-8")), normalise(b.read_text(encoding="utf-8"))
        if x != y:
            differing += 1
            at = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            print(f"{name}: differs at character {at}")
            for line in difflib.unified_diff([x[max(at - 200, 0):at + 300]], [y[max(at - 200, 0):at + 300]],
                                             lineterm="", n=0):
                print("   ", line)
    print(f"{len(names)} pages compared, {differing} differing")
    return 1 if differing else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("out", type=Path)
    cap.add_argument("--persons", type=int, default=200)
    cmp = sub.add_parser("compare")
    cmp.add_argument("before", type=Path)
    cmp.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "capture":
        capture(args.out, args.persons)
    else:
        raise SystemExit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
