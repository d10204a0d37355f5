"""Indexes of the deadline dashboard (certification/dashboard/selectors.py) on the case table: the
postponement notices sent after day 30 (法 §27 第11項; a fraction of a per cent of the cases), and
the decided cases by decision day with what the averages read (ward, application day, kind), so
that a month's averages are read from the index alone; and the open cases (a few thousand) by ward
and application day with every key date the page reads, so that the stages, the lists and the
waiting counts are read from that small index alone. Partial indexes by SQL: the case model is
another package's (certification/cases/models.py), and Django's model state does not need them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("certification", "0007_trail_of_stages")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS certcase_postponed_late ON certification_case (postponed_on)"
            " INCLUDE (ward, applied_on, id, resident_id, number, kind, state) WHERE postponed_on > applied_on + 30;"
            "CREATE INDEX IF NOT EXISTS certcase_decided_on ON certification_case (decided_on)"
            " INCLUDE (ward, applied_on, kind) WHERE state = 'decided';"
            "CREATE INDEX IF NOT EXISTS certcase_open_dates ON certification_case (ward, applied_on)"
            " INCLUDE (state, postponed_on, id, resident_id, number, kind, survey_requested_on, surveyed_on,"
            " opinion_requested_on, opinion_received_on)"
            " WHERE state IN ('received', 'in_progress', 'assessed', 'scheduled', 'reviewed');",
            "DROP INDEX IF EXISTS certcase_postponed_late; DROP INDEX IF EXISTS certcase_decided_on;"
            " DROP INDEX IF EXISTS certcase_open_dates;",
        ),
    ]
