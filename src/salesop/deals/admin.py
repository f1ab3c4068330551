from django.contrib import admin

from salesop.deals.models import ObjectionEntry


@admin.register(ObjectionEntry)
class ObjectionEntryAdmin(admin.ModelAdmin):
    """Sales ops keep the objection library: acknowledge first, then answer with data."""

    list_display = ["objection", "category", "industry", "active"]
    list_filter = ["category", "active", "industry"]
    search_fields = ["objection", "answer", "industry"]
    fields = ["category", "industry", "objection", "acknowledge", "answer", "evidence", "active"]
