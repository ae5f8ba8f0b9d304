"""Items (跟踪项) and their append-only event log (事件)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Item(models.Model):
    """One promise to one customer (order #123), with its current state and next deadline.

    The state is derived from the item's events (latest by `at`, ties by arrival) and stored so the
    worker and the lists never have to replay the log; `next_deadline` is the earliest moment any
    stall rule could fire, and the worker reads only the index range of deadlines that fell due.
    """

    process = models.ForeignKey("processes.Process", on_delete=models.PROTECT, related_name="items")
    version = models.ForeignKey("processes.ProcessVersion", on_delete=models.PROTECT, related_name="items")
    external_id = models.CharField(_("item id"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    current_step = models.CharField(_("current step"), max_length=100)
    step_since = models.DateTimeField(_("in this step since"))
    started_at = models.DateTimeField(_("first event at"))
    last_event_at = models.DateTimeField(_("latest event at"))
    last_event_id = models.BigIntegerField(_("latest event (arrival order)"))
    promised_at = models.DateTimeField(_("promised by"), null=True, blank=True)
    promised_explicitly = models.BooleanField(_("promise given by an event"), default=False)
    is_terminal = models.BooleanField(_("finished"), default=False)
    known_step = models.BooleanField(_("step listed in the process"), default=True)
    attrs = models.JSONField(_("attributes"), default=dict, blank=True)
    event_count = models.PositiveIntegerField(_("events"), default=0)
    next_deadline = models.DateTimeField(_("next deadline"), null=True, blank=True)
    # Markers of the rules already fired for the current visit and promise ("dwell|paid@...").
    fired = models.JSONField(_("rules fired"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.UniqueConstraint(fields=["process", "external_id"], name="item_external_id_unique"),
        ]
        indexes = [
            models.Index(
                fields=["next_deadline"], name="item_due_idx", condition=Q(next_deadline__isnull=False)
            ),
            models.Index(fields=["process", "current_step"], name="item_step_idx"),
            # Items started in a day (the brief's intake), an index range at millions of items.
            models.Index(fields=["started_at"], name="item_started_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id


class Event(models.Model):
    """An append-only fact from a source system: item X reached step S at time T."""

    process = models.ForeignKey("processes.Process", on_delete=models.PROTECT, related_name="events")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(_("step"), max_length=100)
    at = models.DateTimeField(_("at"))
    key = models.CharField(_("idempotency key"), max_length=200)
    attrs = models.JSONField(_("attributes"), default=dict, blank=True)
    promised_at = models.DateTimeField(_("promised by"), null=True, blank=True)
    known_step = models.BooleanField(_("step listed in the process"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.UniqueConstraint(fields=["process", "key"], name="event_key_unique"),
        ]
        indexes = [
            models.Index(fields=["item", "at", "id"], name="event_item_time_idx"),
            models.Index(fields=["process", "at"], name="event_process_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.step} @ {self.at:%Y-%m-%d %H:%M:%S}"
