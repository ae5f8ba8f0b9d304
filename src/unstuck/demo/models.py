"""A record of each demo history seeded into this database."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoSeed(models.Model):
    """One seeded demo history: its end (`anchor`), length and RNG seed, and when it finished.

    Seeding is idempotent for the same (anchor, weeks, seed); `unstuck demo` resumes an unfinished
    seed with its own anchor, so an interrupted first start never mixes two different histories.
    """

    anchor = models.DateTimeField(_("history ends at"))
    weeks = models.PositiveSmallIntegerField(_("weeks of history"))
    seed = models.IntegerField(_("random seed"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    items = models.PositiveIntegerField(_("items"), default=0)
    events = models.PositiveIntegerField(_("events"), default=0)

    class Meta:
        verbose_name = _("demo seed")
        verbose_name_plural = _("demo seeds")
        constraints = [
            models.UniqueConstraint(fields=["anchor", "weeks", "seed"], name="demo_seed_unique"),
        ]

    def __str__(self) -> str:
        return f"demo {self.weeks}w seed {self.seed} to {self.anchor:%Y-%m-%d %H:%M}"
