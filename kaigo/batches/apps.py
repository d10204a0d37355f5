from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "kaigo.batches"
    label = "batches"
    verbose_name = "バッチ処理"

    def ready(self) -> None:
        from kaigo.discovery import autodiscover

        # Each app declares its batch kinds in modules named batch_kinds.py (kaigo/discovery.py).
        autodiscover("batch_kinds")
