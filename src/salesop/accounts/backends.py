"""Sales operations own the configuration: an active ops user holds every model permission,
without anyone having to keep a permission group in step with the code."""

from django.contrib.auth.backends import BaseBackend

from salesop.accounts.models import Role


class OpsPermissionBackend(BaseBackend):
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        return bool(user_obj.is_active and user_obj.is_authenticated and Role.OPS in user_obj.roles)

    def has_module_perms(self, user_obj, app_label):
        return self.has_perm(user_obj, app_label)
