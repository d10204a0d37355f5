from django.apps import AppConfig


class ShellConfig(AppConfig):
    name = "kaigo.shell"
    label = "shell"
    verbose_name = "職員画面の共通部分"
