"""Indexes of the deadline dashboard (certification/dashboard/selectors.py) on the case table: the
postponement notices (a few per cent of the cases), and the decided cases by decision day with
what the averages read (ward, application day, kind), so that the 12 months' averages are read
from the index alone. Partial indexes by SQL: the case model is another package's
(certification/cases/models.py), and Django's model state does not need them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("certification", "0002_case_primary_level")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS certcase_postponed ON certification_case (postponed_on)"
            " WHERE postponed_on IS NOT NULL;"
            "CREATE INDEX IF NOT EXISTS certcase_decided_on ON certification_case (decided_on)"
            " INCLUDE (ward, applied_on, kind) WHERE state = 'decided';",
            "DROP INDEX IF EXISTS certcase_postponed; DROP INDEX IF EXISTS certcase_decided_on;",
        ),
    ]
