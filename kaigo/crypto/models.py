from django.db import models


class PersonKey(models.Model):
    """A person's data key, wrapped by a versioned key-encryption key.

    ``person_id`` is the internal resident number (宛名番号). Setting ``wrapped_dek`` to NULL
    (with ``shredded_at``) is crypto-shredding: every encrypted field of the person becomes
    unreadable, in backups too once the key-encryption keys of those backups are destroyed.
    """

    person_id = models.BigIntegerField("宛名番号", primary_key=True)
    kek_version = models.CharField("鍵暗号化鍵のバージョン", max_length=32)
    wrapped_dek = models.BinaryField("ラップされたデータ鍵", null=True)
    dek_gen = models.PositiveSmallIntegerField("データ鍵の世代", default=1)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    shredded_at = models.DateTimeField("消去日時", null=True, blank=True)

    class Meta:
        verbose_name = "個人の暗号鍵"
        indexes = [models.Index(fields=["kek_version"], name="personkey_kek_version")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wrapped_dek__isnull=False) | models.Q(shredded_at__isnull=False),
                name="personkey_key_or_shredded",
            )
        ]
