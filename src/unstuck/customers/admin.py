from django.contrib import admin

from unstuck.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "external_id",
        "name",
        "email",
        "phone",
        "channel",
        "fallback_channel",
        "language",
        "updated_at",
    ]
    search_fields = ["external_id", "name", "email", "phone"]
