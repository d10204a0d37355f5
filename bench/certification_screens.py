"""Benchmark: the certification clerks' deadline dashboard and case list (issue 18, "Speed").

    make bench BENCH=bench/certification_screens.py ARGS="--residents 1400000"

On the benchmark city (var/bench-pg) with the synthetic city's certification step run on it
(synthetic/certification.py: about one in five residents aged 65+ certified, open cases at every
stage): gunicorn with 4 workers, signed in as the head office's certification clerk (every ward)
and as a ward's; wrk with 8 connections on loopback; the bare view measured in the same run. The
target: p95 < 50 ms at 8 connections and >= 25 % of the bare view's throughput. The queries of one
page are counted (CaptureQueriesContext through the test client) and printed.

The case list (certification:case_list) is another helper's screen: measured when its URL name
resolves, else reported as skipped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.person_screens import ensure_city  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_400_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prepare-only", action="store_true", help="generate the city and stop")
    args = parser.parse_args()
    if not args.prepare_only and not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    started = time.perf_counter()
    ensure_city(args.residents)
    print(f"city ready in {time.perf_counter() - started:.0f} s")
    connection.close()
    if args.prepare_only:
        return


if __name__ == "__main__":
    main()
