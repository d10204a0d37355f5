from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class OutboxConfig(AppConfig):
    name = "kaigo.outbox"
    label = "outbox"
    verbose_name = "ドメインイベント"

    def ready(self) -> None:
        # Each app subscribes to events in a module named consumers.py.
        autodiscover_modules("consumers")
