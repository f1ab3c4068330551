from django.contrib import admin

from salesop.contracts.models import Contract, ContractTemplate, Handover


@admin.register(ContractTemplate)
class ContractTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "number", "name", "current", "created_at")
    list_filter = ("current",)
    readonly_fields = ("code", "number", "name", "docx_name", "current", "note", "created_by")

    def has_add_permission(self, request):  # versions are made by the template service
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "status", "amount", "currency", "created_at")
    list_filter = ("status",)
    search_fields = ("number", "customer")
    readonly_fields = [f.name for f in Contract._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ("deal", "contract", "created_at", "consumed_at")
    readonly_fields = ("deal", "contract", "account", "scope", "people", "created_at")

    def has_add_permission(self, request):
        return False
