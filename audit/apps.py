from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "監査"

    def ready(self) -> None:
        from audit import receivers

        receivers.connect()
