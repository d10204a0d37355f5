"""The board materials (審査会資料) of a session of 30 cases, as PDF (issue 18: < 10 s), beside a
bare PDF of the same page count made on the same PDF kit (one line per page: the font embedding
and the page machinery, nothing of the materials).

    make bench BENCH=bench/board_materials.py ARGS="--cases 30 --rounds 3"

Prepares (once, in the benchmark database) a panel, a session and ``--cases`` synthetic persons
with an assessed case assigned to it; then times, for each version (委員用, 事務局用), the whole read
as the screen does it (certification.board.selectors.session_materials_pdf: the cases read, the
PDF rendered, the print logged), and the rendering alone of the same session with long special
notes and opinion items (synthetic text), for when the survey's and the opinion's data reach it.
Prints the median of ``--rounds`` and the bare PDF's time.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", "--no-input", verbosity=0)
    from pypdf import PdfReader

    from certification.board.documents import render_materials
    from certification.board.models import BoardSession, SessionCase
    from certification.board.selectors import materials_data, session_materials_pdf
    from eligibility.qualification.services import Context, requalify
    from kaigo.documents.layout import Form
    from kaigo.staff.models import Staff
    from kaigo.staff.roles import Organisation, Role
    from tests.certification.board_world import board_session, scheduled_case
    from tests.eligibility.factories import make_resident, synthetic_my_number
    from tests.factories import StaffFactory

    staff = (Staff.objects.filter(username="bench-board").first()
             or StaffFactory(username="bench-board", roles=[Role.HEAD_OFFICE_CLERK],
                             organisation=Organisation.HEAD_OFFICE))
    session = (BoardSession.objects.filter(place="試験会議室", cases__removed_at__isnull=True)
               .order_by("-pk").first())
    if session is None or SessionCase.objects.filter(session=session, removed_at__isnull=True).count() < args.cases:
        print(f"preparing a session of {args.cases} cases ...", flush=True)
        session = board_session(staff, days=30)
        base = secrets.randbelow(9_000_000_000)  # My Numbers unused by earlier runs on the kept database
        for _ in range(args.cases):
            person = make_resident(birth_date=date(1940 + _ % 20, 6, 15),
                                   my_number=synthetic_my_number(base + _)).pk
            with transaction.atomic():  # the qualification's events are published in the change's transaction
                requalify([person], until=date.today(), context=Context(source="notification"))
            scheduled_case(staff, person, session)

    def timed(call) -> tuple[float, bytes]:
        times, out = [], b""
        for _ in range(args.rounds):
            started = time.perf_counter()
            out = call()
            times.append(time.perf_counter() - started)
        return statistics.median(times), out

    def pages(pdf: bytes) -> int:
        return len(PdfReader(io.BytesIO(pdf)).pages)

    def bare(n: int) -> bytes:
        form = Form(title="bare", overflow="new_page")
        for i in range(n):
            if i:
                form.new_page()
            form.paragraph(f"{i + 1}", size=10)
        return form.finish()

    for version in ("committee", "secretariat"):
        seconds, pdf = timed(lambda v=version: session_materials_pdf(actor=staff, request=None, session_id=session.pk,
                                                                     version=v))
        n = pages(pdf)
        bare_seconds, _ = timed(lambda n=n: bare(n))
        print(f"{version:12s} {args.cases} cases, {n} pages: {seconds:.3f} s (target < 10 s); "
              f"bare PDF of {n} pages: {bare_seconds:.3f} s; ratio {seconds / bare_seconds:.1f}")
    data, _ = materials_data(session.pk, "secretariat")
    notes = ("特記事項の試験文。" * 170)[:1500]
    items = tuple((f"意見書の項目{i}", "試験の記載" * 6) for i in range(10))
    minutes = tuple((label, f"{10 + i}.{i}分") for i, label in enumerate(
        ("食事", "排泄", "移動", "清潔保持", "間接生活介助", "BPSD関連行為", "機能訓練関連行為", "医療関連行為")))
    full = replace(data, cases=tuple(replace(c, special_notes=notes, opinion_items=items, minutes=minutes,
                                             total_minutes="98.7分") for c in data.cases))
    seconds, pdf = timed(lambda: render_materials(full))
    n = pages(pdf)
    bare_seconds, _ = timed(lambda: bare(n))
    print(f"full notes   {args.cases} cases, {n} pages: {seconds:.3f} s (render only); "
          f"bare PDF of {n} pages: {bare_seconds:.3f} s; ratio {seconds / bare_seconds:.1f}")


if __name__ == "__main__":
    main()
