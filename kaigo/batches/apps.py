from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class BatchesConfig(AppConfig):
    name = "kaigo.batches"
    label = "batches"
    verbose_name = "バッチ処理"

    def ready(self) -> None:
        # Each app declares its batch kinds in a module named batch_kinds.py.
        autodiscover_modules("batch_kinds")
