from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "linkage"
    verbose_name = "外部連携"
