from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    default = True  # this module also holds the admin's config
    name = "salesop.web"
    label = "web"
    verbose_name = _("Web interface")


class AdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "salesop.web.admin.AdminSite"
