"""CPU per request of the premium tab in one process, through Django's WSGI handler (as
bench/screen_cpu.py measures it), on a small city this script prepares: for comparing two versions
of the code on the same data.

    make bench BENCH=bench/premium_tab_cpu.py ARGS="--residents 3000 --other /tmp/old-tree"

Prepares the city (``--residents``) and bench/premium_tab.py's sample (persons levied for ten
years, the past installments paid), then measures this tree and, with ``--other``, another checkout
of the code against the same database (its own process, this same script copied there), in turns
A B A B, printing the median CPU and wall time per request of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def measure(requests: int, rounds: int) -> None:
    sys.path.insert(0, str(BASE_DIR))
    sys.path.insert(0, str(BASE_DIR / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")
    import django

    django.setup()
    import screen_cpu
    from django.core.handlers.wsgi import WSGIHandler

    from kaigo.staff.models import Staff
    from premiums.models import Levy

    password = "cpu-" + os.urandom(9).hex()
    staff = Staff.objects.get(username="cpu-ward")
    staff.set_password(password)
    staff.save()
    handler = WSGIHandler()
    cookie, _ = screen_cpu.sign_in(handler, "cpu-ward", password)
    ids = sorted(set(Levy.objects.filter(fiscal_year=2017).values_list("resident_id", flat=True)))[:200]
    import io

    def request(path: str) -> None:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
                   "SERVER_PORT": "80", "HTTP_HOST": "localhost", "HTTP_COOKIE": cookie, "REMOTE_ADDR": "127.0.0.1",
                   "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "CONTENT_LENGTH": "0",
                   "wsgi.errors": sys.stderr}
        status = []
        b"".join(handler(environ, lambda s, h, *a: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}: {status[0]}")

    paths = [f"/persons/{pk}/premiums/" for pk in ids]
    for path in paths[:50]:
        request(path)
    cpu, wall = [], []
    for _ in range(rounds):
        c, w = time.process_time(), time.perf_counter()
        for i in range(requests):
            request(paths[i % len(paths)])
        cpu.append((time.process_time() - c) / requests * 1000)
        wall.append((time.perf_counter() - w) / requests * 1000)
    print(f"{BASE_DIR}: CPU {statistics.median(cpu):.2f} ms, wall {statistics.median(wall):.2f} ms per request "
          f"({requests} requests, {len(paths)} persons, median of {rounds} rounds)", flush=True)


def prepare(residents: int) -> None:
    sys.path.insert(0, str(BASE_DIR / "bench"))
    import person_screens as ps
    import premium_tab
    from django.core.management import call_command

    from kaigo.staff.models import Staff
    from kaigo.staff.roles import Organisation, Role
    from kaigo.staff.services import staff_create

    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    ps.ensure_city(residents)
    ids = premium_tab.ensure_sample()
    if not Staff.objects.filter(username="cpu-ward").exists():
        staff_create(username="cpu-ward", display_name="性能 測定", organisation=Organisation.NAKAHARA,
                     roles=[Role.WARD_CLERK], password="cpu-" + os.urandom(9).hex(), actor=None, reason="性能測定")
    Staff.objects.filter(username="cpu-ward").update(must_change_password=False)
    print(f"prepared: {len(ids)} persons levied for ten years", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=3_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--other", default="")
    parser.add_argument("--measure-only", action="store_true")
    args = parser.parse_args()
    if args.measure_only:
        measure(args.requests, args.rounds)
        return
    prepare(args.residents)
    trees = [BASE_DIR] + ([Path(args.other)] if args.other else [])
    for tree in trees[1:]:
        shutil.copy(__file__, tree / "bench" / "premium_tab_cpu.py")
    env = {**os.environ, "KAIGO_KEYRING_FILE": os.environ.get("KAIGO_KEYRING_FILE", str(BASE_DIR / "var/keyring.json"))}
    for _ in range(args.turns):
        for tree in trees:
            subprocess.run([sys.executable, str(tree / "bench" / "premium_tab_cpu.py"), "--measure-only",
                            "--requests", str(args.requests), "--rounds", str(args.rounds)], cwd=tree, env=env,
                           check=True)


if __name__ == "__main__":
    main()
