"""Indexes for the person search: candidates in id order per blind-index value, and the
household protection test. Built CONCURRENTLY: the resident table of a city is large and in use."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("eligibility", "0004_facts_cascade"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="resident",
            index=models.Index(fields=["kana_name_bidx", "id"], name="resident_kana_name_id"),
        ),
        AddIndexConcurrently(
            model_name="resident",
            index=models.Index(fields=["kana_surname_birth_bidx", "id"], name="resident_kana_birth_id"),
        ),
        AddIndexConcurrently(
            model_name="resident",
            index=models.Index(condition=models.Q(sensitive=True), fields=["household_id"],
                               name="resident_household_protected"),
        ),
        RemoveIndexConcurrently(model_name="resident", name="resident_kana_name_bidx"),
        RemoveIndexConcurrently(model_name="resident", name="resident_kana_birth_bidx"),
    ]
