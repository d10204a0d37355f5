"""A checkpoint also records the heads file as its verification saw it (issue 17): the number and
signature of the file's last record (audit/heads.py), signed with the checkpoint (the v2 form of
audit.chain.checkpoint_message). The next verification then knows which record must still be in
the file: a file cut short, replaced or lost is reported instead of being taken as new."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0016_truncate_refused")]

    operations = [
        migrations.AddField(
            model_name="chaincheckpoint",
            name="heads_record",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="外部記録の最終記録"),
        ),
        migrations.AddField(
            model_name="chaincheckpoint",
            name="heads_signature",
            field=models.BinaryField(blank=True, max_length=64, null=True, verbose_name="外部記録の最終記録の署名"),
        ),
    ]
