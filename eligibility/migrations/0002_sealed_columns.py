from django.db import migrations

from kaigo.crypto.fields import sealed_column_checks

ENCRYPTED = ["my_number_ct", "name_kanji_ct", "name_kana_ct", "address_ct", "phone_ct", "sensitive_reason_ct"]
forward, reverse = sealed_column_checks("eligibility_resident", ENCRYPTED)


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0001_initial")]

    operations = [
        migrations.RunSQL(forward, reverse),
        # Internal numbers (宛名番号, 世帯番号) are issued from sequences, known before the first
        # INSERT so that the ciphertext can be bound to its row.
        migrations.RunSQL(
            "CREATE SEQUENCE eligibility_resident_number_seq START 100000001; "
            "CREATE SEQUENCE eligibility_household_number_seq START 500000001",
            "DROP SEQUENCE eligibility_resident_number_seq; DROP SEQUENCE eligibility_household_number_seq",
        ),
    ]
