"""TRUNCATE refused on the event tables premiums 0021 added (issue 17): audit 0016 gives the trigger
to every event table that exists when it runs, and on a fresh database it may run before 0021."""

from django.db import migrations

from audit.trail_sql import truncate_refuse_operation


class Migration(migrations.Migration):

    dependencies = [
        ("premiums", "0021_late_charges_receipts_transfers"),
        ("audit", "0016_truncate_refused"),
    ]

    operations = [
        truncate_refuse_operation([
            "premiums_counterreceiptevent",
            "premiums_latechargepaymentevent",
            "premiums_latechargeexemptionevent",
            "premiums_banktransferlineevent",
        ]),
    ]
