"""Benchmark: the certification clerks' deadline dashboard and case list (issue 18, "Speed").

    make bench BENCH=bench/certification_screens.py ARGS="--residents 1400000"

On the benchmark city (var/bench-pg) with the synthetic city's certification step run on it
(synthetic/certification.py: about one in five residents aged 65+ certified, open cases at every
stage): gunicorn with 4 workers, signed in as the head office's certification clerk (every ward)
and as a ward's; wrk with 8 connections on loopback; the bare view measured in the same run. The
target: p95 < 50 ms at 8 connections and >= 25 % of the bare view's throughput. The queries of one
page are counted (CaptureQueriesContext through the test client) and printed.

Screens: the deadline dashboard (every ward, one ward, a ward clerk's) and the case list
(certification:case_list: the head office's, a ward clerk's; reported as skipped if the URL name
does not resolve). Before wrk, each screen's Python CPU and wall time per request in this process
through Django's WSGI handler (``--requests`` per round, 0 skips it): on a machine shared with
other jobs the CPU figure moves far less than wrk's throughput. ``--no-wrk`` stops after it.

    make bench BENCH=bench/certification_screens.py ARGS="--residents 340000 --certified-share 0.87 --open-share 0.07"
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")
os.environ["KAIGO_BENCH"] = "1"  # the bare view (bench/views.py), also for the in-process measure

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from audit.trail import trail_context
from bench.person_screens import PASSWORD, ensure_city, measure
from certification.cases.models import Case
from certification.decisions.models import Certification
from certification.rules.cases import OPEN_STATES
from kaigo.staff.models import Staff
from kaigo.staff.roles import Organisation, Role
from kaigo.staff.services import staff_create
from synthetic.certification import certification_generate

TARGET_CERTIFIED, TARGET_OPEN = 70_000, 5_000


def ensure_certification(seed: int, certified_share: float | None, open_share: float | None) -> tuple[int, int]:
    """The certification step of the synthetic city as of today (run once; a city grown later gets
    the histories of its new residents). Returns (persons certified today, open cases)."""
    today = timezone.localdate()
    started = time.perf_counter()
    with trail_context(function="city.generate"):
        written = certification_generate(seed=seed, today=today, certified_share=certified_share,
                                         open_share=open_share)
    if written.cases:
        print(f"certification step: {written.certifications:,} certifications, {written.cases:,} cases "
              f"({written.open_cases:,} open) in {time.perf_counter() - started:.0f} s")
    certified = (Certification.objects.filter(valid_from__lte=today, valid_to__gte=today, ended_on__isnull=True)
                 .values("resident_id").distinct().count())
    return certified, Case.objects.filter(state__in=list(OPEN_STATES)).count()


def ensure_staff(username: str, organisation: str) -> str:
    staff = Staff.objects.filter(username=username).first()
    if staff is None:
        staff = staff_create(username=username, display_name="性能 測定", organisation=organisation,
                             roles=[Role.CERTIFICATION_CLERK], password=PASSWORD, actor=None, reason="性能測定")
    staff.set_password(PASSWORD)
    staff.must_change_password = False
    staff.save()
    return username


def queries_of(username: str, path: str) -> int:
    """Queries of one request of ``path`` (the second one: the session warmed), in this process."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(Staff.objects.get(username=username))
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: status {response.status_code}")
    return len(captured)


def cpu_per_request(username: str, paths: dict[str, str], *, requests: int, rounds: int = 3) -> dict[str, tuple]:
    """Python CPU and wall milliseconds per request of each path in this process, through Django's
    WSGI handler (the full middleware stack, as bench/screen_cpu.py), signed in through the login
    view; the median of ``rounds`` rounds of ``requests`` requests after 20 of warm-up. The CPU
    figure is this process's alone (PostgreSQL's work is in the wall time): far less noisy on a
    shared machine than wrk's throughput, for comparing two versions of the code."""
    import statistics

    from django.core.handlers.wsgi import WSGIHandler

    from bench.screen_cpu import sign_in

    handler = WSGIHandler()
    cookie, _ = sign_in(handler, username, PASSWORD)

    def get(path: str) -> None:
        route, _, query = path.partition("?")
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": route, "QUERY_STRING": query, "SERVER_NAME": "localhost",
                   "SERVER_PORT": "80", "HTTP_HOST": "localhost", "HTTP_COOKIE": cookie, "REMOTE_ADDR": "127.0.0.1",
                   "wsgi.input": __import__("io").BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr}
        status = []
        b"".join(handler(environ, lambda s, h, *a: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"GET {path}: {status[0]}")

    out = {}
    for name, path in paths.items():
        for _ in range(20):
            get(path)
        cpu, wall = [], []
        for _ in range(rounds):
            c, w = time.process_time(), time.perf_counter()
            for _ in range(requests):
                get(path)
            cpu.append((time.process_time() - c) / requests * 1000)
            wall.append((time.perf_counter() - w) / requests * 1000)
        out[name] = (statistics.median(cpu), statistics.median(wall))
    return out


def read_time(wards: list[str], repeat: int = 20) -> float:
    """Median milliseconds of the dashboard's reads (the one round trip) in this process."""
    from certification.dashboard.selectors import dashboard_read

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        dashboard_read(wards=wards, today=timezone.localdate())
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_400_000,
                        help="residents of the city (about a quarter aged 65+, one in five of them certified)")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--certified-share", type=float, default=None,
                        help="share of those aged 65+ certified, instead of the realistic one by age (about 0.2): "
                             "for a smaller city holding as many certifications as the one measured")
    parser.add_argument("--open-share", type=float, default=None,
                        help="share of the certified with an open renewal or change (realistic: about 0.05)")
    parser.add_argument("--prepare-only", action="store_true", help="generate the city and stop")
    parser.add_argument("--requests", type=int, default=200,
                        help="requests per round of the in-process CPU measure (0: skip it)")
    parser.add_argument("--no-wrk", action="store_true",
                        help="only the query counts and the in-process CPU per request (no gunicorn, no wrk)")
    args = parser.parse_args()
    if not (args.prepare_only or args.no_wrk) and not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    started = time.perf_counter()
    ensure_city(args.residents)
    certified, open_cases = ensure_certification(args.seed, args.certified_share, args.open_share)
    print(f"city ready in {time.perf_counter() - started:.0f} s: {certified:,} persons certified today, "
          f"{open_cases:,} open cases (issue 18 asks for {TARGET_CERTIFIED:,} and {TARGET_OPEN:,})")
    with connection.cursor() as cursor:  # a city in use is vacuumed (the averages read the index alone)
        for table in ("certification_case", "certification_survey", "certification_opinion",
                      "certification_receivedpaper"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    from eligibility.codes import Ward

    print(f"dashboard reads in one process: every ward {read_time(list(Ward.values)):.1f} ms, "
          f"one ward {read_time([Ward.NAKAHARA]):.1f} ms (median of 20)")
    if args.prepare_only:
        return
    head = ensure_staff("bench-cert-head", Organisation.HEAD_OFFICE)  # every ward
    ward = ensure_staff("bench-cert-ward", Organisation.NAKAHARA)  # one ward
    runs = {"bare view": {"paths": ["/bench/bare"]},
            "dashboard (every ward)": {"paths": ["/certification/dashboard/"]},
            "dashboard (one ward)": {"paths": ["/certification/dashboard/?ward=nakahara"]}}
    queries = {name: queries_of(head, spec["paths"][0]) for name, spec in runs.items() if name != "bare view"}
    try:
        case_list = reverse("certification:case_list")
    except NoReverseMatch:
        case_list = None
        print("case list: skipped (the URL name certification:case_list does not resolve in this checkout)")
    if case_list:
        runs["case list"] = {"paths": [case_list]}
        queries["case list"] = queries_of(head, case_list)
    queries["dashboard of a ward's clerk"] = queries_of(ward, "/certification/dashboard/")
    if case_list:
        queries["case list of a ward's clerk"] = queries_of(ward, case_list)
    print("\nqueries of one page (signed in, the session warmed): "
          + ", ".join(f"{name} {n}" for name, n in queries.items()))
    if args.requests:
        cpu = cpu_per_request(head, {name: spec["paths"][0] for name, spec in runs.items()},
                              requests=args.requests, rounds=args.rounds)
        print(f"\nin one process (Django's WSGI handler, {args.requests} requests, median of {args.rounds} rounds):")
        print(f"{'screen':<30} {'CPU ms':>8} {'wall ms':>8} {'CPU vs bare':>12}")
        for name, (c, w) in cpu.items():
            print(f"{name:<30} {c:>8.2f} {w:>8.2f} {c / cpu['bare view'][0]:>12.1f}")
    if args.no_wrk:
        return
    connection.close()
    results = measure(head, runs, seconds=args.seconds, rounds=args.rounds)
    # the ward clerk's screens in a gunicorn of their own, beside a bare view of their own run
    ward_runs = {"bare view (ward clerk's run)": {"paths": ["/bench/bare"]},
                 "dashboard of a ward's clerk": {"paths": ["/certification/dashboard/"]}}
    if case_list:
        ward_runs["case list of a ward's clerk"] = {"paths": [case_list]}
    ward_result = measure(ward, ward_runs, seconds=args.seconds, rounds=args.rounds)
    results.update(ward_result)
    bare = results["bare view"][0]
    ward_bare = results["bare view (ward clerk's run)"][0]

    def vs_bare(name: str) -> float:
        return results[name][0] / (ward_bare if name in ward_runs else bare)

    print(f"\ncertification screens: {certified:,} persons certified, {open_cases:,} open cases, gunicorn 4 workers, "
          f"wrk 8 connections, {args.seconds} s each, median of {args.rounds} rounds, {os.cpu_count()} cores")
    print(f"{'screen':<30} {'req/s':>9} {'p95 ms':>8} {'vs bare':>8} {'errors':>7} {'queries':>8}")
    for name, (rps, p95, errors, _) in results.items():
        print(f"{name:<30} {rps:>9.0f} {p95:>8.1f} {vs_bare(name):>8.2f} {errors:>7} {queries.get(name, ''):>8}")
    print("\ntargets (issue 18): p95 < 50 ms, throughput >= 25 % of the bare view (of the same gunicorn run)")
    for name, (rps, p95, _, _) in results.items():
        if not name.startswith("bare view"):
            print(f"  {name}: p95 {p95:.1f} ms ({'met' if p95 < 50 else 'NOT met'}), "
                  f"{vs_bare(name):.0%} of bare ({'met' if vs_bare(name) >= 0.25 else 'NOT met'})")


if __name__ == "__main__":
    main()
