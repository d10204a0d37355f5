from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "kaigo.outbox"
    label = "outbox"
    verbose_name = "ドメインイベント"

    def ready(self) -> None:
        from kaigo.discovery import autodiscover

        # Each app subscribes to events in modules named consumers.py (kaigo/discovery.py).
        autodiscover("consumers")
