"""CPU per request of the staff screens in one process, through Django's WSGI handler (the full
middleware stack, no test client instrumentation), on the benchmark city:

    make bench BENCH=bench/screen_cpu.py ARGS="--requests 400"

For each screen, ``--requests`` requests over the sampled persons (those bench/person_screens.py,
premium_tab.py and qualification_tab.py prepared), after a warm-up: the Python CPU time
(``time.process_time``) and the wall time per request, the median of ``--rounds`` rounds. The
wall time includes PostgreSQL's work; the CPU time is this process's only. A figure for
comparing two versions of the code on the same machine and data, not a throughput: the screen
benchmarks (wrk, gunicorn) measure that. The bare view (a short string through the same
middleware stack, bench/views.py) is measured first in the same run: the floor of a request.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")
os.environ["KAIGO_BENCH"] = "1"  # the bare view (bench/views.py): the floor beside the screens

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db.models import Max, Min  # noqa: E402

from eligibility.codes import StayKind  # noqa: E402
from eligibility.models import FacilityStay, Resident  # noqa: E402
from kaigo.staff.models import Staff  # noqa: E402
from kaigo.staff.roles import Organisation, Role  # noqa: E402
from kaigo.staff.services import staff_create  # noqa: E402
from premiums.models import Levy  # noqa: E402


def sign_in(handler, username: str, password: str) -> tuple[str, str]:
    """Sign in through the login view, as a browser would: the cookie header and a CSRF token."""
    cookies: dict[str, str] = {}

    def call(method: str, body: bytes = b"") -> None:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": "/login/", "QUERY_STRING": "", "SERVER_NAME": "localhost",
                   "SERVER_PORT": "80", "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                   "HTTP_REFERER": "http://localhost/login/", "wsgi.input": io.BytesIO(body),
                   "wsgi.url_scheme": "http", "CONTENT_LENGTH": str(len(body)),
                   "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.errors": sys.stderr}
        headers = []
        page = b"".join(handler(environ, lambda status, h, *a: headers.extend(h))).decode()
        for name, value in headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.strip().partition("=")
                cookies[key] = rest.split(";", 1)[0]
        return page

    page = call("GET")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    call("POST", urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode())
    if settings.SESSION_COOKIE_NAME not in cookies:
        raise SystemExit("could not sign in")
    # signing in rotates the CSRF secret: the cookie's value is a valid token (unmasked)
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies[settings.CSRF_COOKIE_NAME]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    password = "cpu-" + os.urandom(9).hex()
    staff = Staff.objects.filter(username="cpu-ward").first() or staff_create(
        username="cpu-ward", display_name="性能 測定", organisation=Organisation.NAKAHARA, roles=[Role.WARD_CLERK],
        password=password, actor=None, reason="性能測定")
    staff.set_password(password)
    staff.must_change_password = False
    staff.save()
    handler = WSGIHandler()
    cookie, token = sign_in(handler, "cpu-ward", password)

    bounds = Resident.objects.aggregate(lo=Min("id"), hi=Max("id"))
    sample = list(Resident.objects.filter(pk__in=random.Random(7).sample(range(bounds["lo"], bounds["hi"] + 1), 400)))
    premium_ids = sorted(set(Levy.objects.filter(fiscal_year=2017).values_list("resident_id", flat=True)))[:200]
    qualification_ids = sorted(set(FacilityStay.objects.filter(kind=StayKind.EXEMPTION, facility__isnull=True)
                                   .values_list("resident_id", flat=True)))[:200]
    screens = {
        "bare view": [("GET", "/bench/bare", "")],
        "person search (POST)": [("POST", "/persons/", urlencode({"kana_name": r.name_kana, "csrfmiddlewaretoken": token}))
                                 for r in sample],
        "person overview": [("GET", f"/persons/{r.pk}/", "") for r in sample],
        "qualification tab": [("GET", f"/persons/{pk}/qualification/", "") for pk in qualification_ids],
        "premium tab": [("GET", f"/persons/{pk}/premiums/", "") for pk in premium_ids],
    }

    def request(method: str, path: str, body: str) -> None:
        data = body.encode()
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
                   "SERVER_PORT": "80", "HTTP_HOST": "localhost", "HTTP_COOKIE": cookie, "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_REFERER": "http://localhost/persons/", "wsgi.input": io.BytesIO(data),
                   "wsgi.url_scheme": "http", "CONTENT_LENGTH": str(len(data)),
                   "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.errors": sys.stderr}
        status = []
        b"".join(handler(environ, lambda s, h, *a: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"{method} {path}: {status[0]}")

    print(f"{'screen':<24} {'CPU ms':>8} {'wall ms':>8}   ({args.requests} requests, median of {args.rounds} rounds)")
    for name, requests in screens.items():
        for method, path, body in requests[:50]:
            request(method, path, body)  # warm-up
        cpu, wall = [], []
        for _ in range(args.rounds):
            c, w = time.process_time(), time.perf_counter()
            for i in range(args.requests):
                request(*requests[i % len(requests)])
            cpu.append((time.process_time() - c) / args.requests * 1000)
            wall.append((time.perf_counter() - w) / args.requests * 1000)
        print(f"{name:<24} {statistics.median(cpu):>8.2f} {statistics.median(wall):>8.2f}")


if __name__ == "__main__":
    main()
