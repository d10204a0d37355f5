from django.apps import AppConfig


class CryptoConfig(AppConfig):
    name = "kaigo.crypto"
    label = "crypto"
    verbose_name = "暗号鍵"
