"""Reads for processes."""

from __future__ import annotations

from django.db.models import QuerySet

from unstuck.processes.models import Process


def process_list() -> QuerySet[Process]:
    """Every process with its current version (processes are visible to every signed-in role)."""
    return Process.objects.select_related("current_version").order_by("key")


def process_by_key(key: str) -> Process | None:
    return Process.objects.select_related("current_version").filter(key=key).first()
