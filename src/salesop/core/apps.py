from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "salesop.core"
    label = "core"
