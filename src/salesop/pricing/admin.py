from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from salesop.pricing.models import Approval, Concession, PricePolicy, Product, Quote, QuoteLine


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "family", "list_price", "currency", "active"]
    list_filter = ["active", "family", "currency"]
    search_fields = ["code", "name", "family"]


class ConcessionInline(admin.TabularInline):
    model = Concession
    extra = 1


@admin.register(PricePolicy)
class PricePolicyAdmin(admin.ModelAdmin):
    """Sales ops keep the bottom lines here; the model's clean() checks their order."""

    inlines = [ConcessionInline]
    list_display = [
        "__str__",
        "floor_price",
        "max_discount_rep",
        "max_discount_manager",
        "max_discount_director",
        "max_payment_term_days",
        "hard_payment_term_days",
    ]
    list_select_related = ["product"]
    raw_id_fields = ["product"]
    fieldsets = [
        (_("applies to"), {"fields": ["product", "family"]}),
        (
            _("bottom lines"),
            {
                "fields": [
                    "floor_price",
                    ("max_discount_rep", "max_discount_manager", "max_discount_director"),
                    ("max_payment_term_days", "hard_payment_term_days"),
                ]
            },
        ),
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Quotes and approvals change only through their services (which check, lock and audit);
    the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    fields = ["product", "description", "quantity", "list_price", "discount_pct", "floor_price"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    inlines = [QuoteLineInline]
    list_display = ["__str__", "status", "payment_term_days", "currency", "created_by", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["deal", "created_by"]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["quote", "subject", "value", "role", "status", "decided_by", "decided_at"]
    list_filter = ["status", "role", "subject"]
    list_select_related = ["quote__deal", "decided_by"]
