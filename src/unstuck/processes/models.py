"""Processes (流程): the kinds of promise Unstuck watches, each file load a new immutable version."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Process(models.Model):
    """A kind of promise (order delivery, account closure, ...), identified by a URL-safe key."""

    key = models.SlugField(_("key"), max_length=63, unique=True)
    name = models.CharField(_("name"), max_length=200)
    current_version = models.ForeignKey(
        "processes.ProcessVersion",
        verbose_name=_("current version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class ProcessVersion(models.Model):
    """One loaded process file, kept forever: items stay on the version they started under."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    source = models.TextField(_("process file (YAML)"))
    checksum = models.CharField(_("checksum"), max_length=64)
    calendar_key = models.CharField(_("calendar"), max_length=63)
    promise = models.CharField(_("promise"), max_length=32, blank=True)
    terminal = models.JSONField(_("terminal steps"), default=list)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    loaded_by = models.CharField(_("loaded by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        ordering = ["process", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="process_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.process.key} v{self.number}"


class Step(models.Model):
    """A step of one process version, with the limits that make an item stuck in it."""

    version = models.ForeignKey(ProcessVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(_("position"))
    key = models.CharField(_("key"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    max_dwell = models.CharField(_("max dwell"), max_length=32, blank=True)
    team_key = models.CharField(_("team"), max_length=63, blank=True)
    confirmation_by = models.CharField(_("confirmation by"), max_length=63, blank=True)
    confirmation_within = models.CharField(_("confirmation within"), max_length=32, blank=True)
    remind_after = models.JSONField(_("remind after"), default=list, blank=True)
    interruption = models.BooleanField(_("interruption"), default=False)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="step_key_unique_per_version"),
        ]

    def __str__(self) -> str:
        return self.key
