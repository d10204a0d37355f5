"""Indexes for the speed of the certification screens (issue 18, "Speed"; docs/subsystems/
certification-screens.md and certification-dashboard.md):

- certcase_open_urgency: the case list's order, of the open cases only (a few thousand of the
  city's hundreds of thousands): the day by which the decision or the postponement notice is due
  (the 30th day, 法 §27 第11項, or once postponed the expected day), with every column the list
  reads, so that a page of 50 is read from it in order and the rest is not sorted. The expression
  must stay word for word the selector's (certification/cases/selectors.py, _URGENCY).
- certsurvey_waiting: the surveys not yet made, for the dashboard's waiting surveys by body (a
  scan of every survey of the city without it).
- cert_valid_to, made again with the person, the level and the id: the renewal due list's range
  (施行規則 第39条, 60 days) read from the index alone (certification/decisions/selectors.py).
"""

import django.db.models.expressions
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0011_board'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(django.db.models.functions.comparison.Coalesce('expected_by', models.ExpressionWrapper(django.db.models.expressions.CombinedExpression(models.F('applied_on'), '+', models.Value(30)), output_field=models.DateField())), models.F('applied_on'), models.F('id'), condition=models.Q(('state__in', ['received', 'in_progress', 'assessed', 'scheduled', 'reviewed'])), include=('ward', 'state', 'number', 'resident_id', 'kind', 'second_class', 'postponed_on', 'expected_by'), name='certcase_open_urgency'),
        ),
        migrations.AddIndex(
            model_name='survey',
            index=models.Index(condition=models.Q(('surveyed_on__isnull', True)), fields=['case'], include=('body', 'requested_on'), name='certsurvey_waiting'),
        ),
        migrations.RemoveIndex(
            model_name='certification',
            name='cert_valid_to',
        ),
        migrations.AddIndex(
            model_name='certification',
            index=models.Index(condition=models.Q(('ended_on__isnull', True)), fields=['valid_to'], include=('resident', 'level', 'id'), name='cert_valid_to'),
        ),
    ]
