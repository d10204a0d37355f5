"""Indexes of the deadline dashboard (certification/dashboard/selectors.py) on the case table: the
postponement notices sent after day 30 (法 §27 第11項; a fraction of a per cent of the cases), and
the decided cases by decision day with what the averages read (ward, application day, kind), so
that a month's averages are read from the index alone. Partial indexes by SQL: the case model is another package's
(certification/cases/models.py), and Django's model state does not need them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("certification", "0002_case_primary_level")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS certcase_postponed_late ON certification_case (postponed_on)"
            " WHERE postponed_on > applied_on + 30;"
            "CREATE INDEX IF NOT EXISTS certcase_decided_on ON certification_case (decided_on)"
            " INCLUDE (ward, applied_on, kind) WHERE state = 'decided';",
            "DROP INDEX IF EXISTS certcase_postponed_late; DROP INDEX IF EXISTS certcase_decided_on;",
        ),
    ]
