import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Forced password change, temporary-password expiry, effective dates of role grants.

    Existing grants take effect from when they were recorded. Existing accounts are marked
    must_change_password (the field's default): demo accounts are cleared by `demo_staff`.
    """

    dependencies = [
        ('staff', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='rolegrant',
            name='revocation_recorded_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='取消の記録日時'),
        ),
        migrations.AddField(
            model_name='rolegrant',
            name='valid_from',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='効力発生日時'),
        ),
        migrations.AddField(
            model_name='staff',
            name='must_change_password',
            field=models.BooleanField(default=True, verbose_name='パスワード変更が必要'),
        ),
        migrations.AddField(
            model_name='staff',
            name='temporary_password_expires_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='仮パスワードの有効期限'),
        ),
        migrations.RunSQL(
            "UPDATE staff_rolegrant SET valid_from = granted_at, revocation_recorded_at = revoked_at",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name='rolegrant',
            constraint=models.CheckConstraint(condition=models.Q(('grant_reason', ''), _negated=True), name='role_grant_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='rolegrant',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('revoke_reason', ''), ('revoked_at__isnull', True)), models.Q(('revoked_at__isnull', False), models.Q(('revoke_reason', ''), _negated=True)), _connector='OR'), name='role_revocation_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='rolegrant',
            constraint=models.CheckConstraint(condition=models.Q(('revoked_at__isnull', True), ('revoked_at__gte', models.F('valid_from')), _connector='OR'), name='role_revocation_after_start'),
        ),
    ]
