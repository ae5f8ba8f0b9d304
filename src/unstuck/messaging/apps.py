from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Messages: channels, templates, the outbox and inbound replies."""

    name = "unstuck.messaging"
    label = "messaging"
    verbose_name = _("Messages")
    default_auto_field = "django.db.models.BigAutoField"
    # Seeded by migration 0002 (the default templates): not data of the user's (see core.database).
    reference_data_tables = ("messaging_messagetemplate",)

    def ready(self) -> None:
        from unstuck.cases.notify import outbox_register
        from unstuck.messaging.services import message_enqueue

        outbox_register(message_enqueue)
