from django.contrib import admin
from django.db import models

from salesop.customers.models import Account


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "industry", "region", "tier", "owner", "team", "created_at"]
    list_filter = ["tier", "team"]
    list_select_related = ["owner", "team"]
    search_fields = ["name", "industry"]
    raw_id_fields = ["owner", "shared_with"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return Account.objects.visible_to(request.user)
