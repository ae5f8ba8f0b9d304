"""Customers (客户): the people promises are made to, identified by the source system's id."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    """An IANA time zone name (Asia/Shanghai), so quiet hours are the customer's own."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            _("%(value)s is not an IANA time zone name such as Asia/Shanghai."), params={"value": value}
        ) from error


class Customer(models.Model):
    """A customer as the source systems know them; contact details follow the latest event.

    Messages go on `channel`, or on `fallback_channel` when the first cannot reach them (no address,
    no configured robot); the values are the messaging app's channel kinds (customers never get
    in-app notifications, so that kind is not offered here).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WECOM = "wecom", _("WeCom")
        DINGTALK = "dingtalk", _("DingTalk")
        FEISHU = "feishu", _("Feishu")
        SLACK = "slack", _("Slack")
        WEBHOOK = "webhook", _("Webhook (the integrator's own system)")
        NONE = "", _("Not set")

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    external_id = models.CharField(_("customer id"), max_length=200, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    channel = models.CharField(_("preferred channel"), max_length=20, blank=True, choices=Channel.choices)
    # Database defaults too: ingest inserts customers in bulk SQL that names only the fields it knows.
    fallback_channel = models.CharField(
        _("fallback channel"), max_length=20, blank=True, choices=Channel.choices, default="", db_default=""
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Shanghai",
        db_default="Asia/Shanghai",
        validators=[validate_time_zone],
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default="zh-hans", db_default="zh-hans"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # The desk's search looks a phone number up exactly before it searches inside numbers.
        indexes = [models.Index(fields=["phone"], name="customer_phone_idx")]

    def __str__(self) -> str:
        return self.name or self.external_id
