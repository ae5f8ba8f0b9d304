"""A channel's credentials are write-only: once saved, nobody reads them back (not admins, not
auditors, not the Django admin). Pages show "set / not set" and a webhook URL's host only; saving a
form that leaves a secret blank, or keeps the mask in the options, keeps the stored value.

What counts as a credential: `secret`, the whole `url` beyond its scheme and host (Slack's and
Feishu's hook paths, WeCom's `key=`, DingTalk's `access_token=` are the credential), and every option
whose name says key, token, secret or password (at any depth).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

#: What a masked option shows; posting it back unchanged keeps the stored value.
MASK = "******"
_SECRET_NAME = re.compile(r"key|token|secret|passw|pwd|credential|signature", re.IGNORECASE)


def url_masked(url: str) -> str:
    """`https://qyapi.weixin.qq.com/…` for a URL that is set (its path and query hidden); '' if unset."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}/…" if parts.scheme and host else "…"


def option_is_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def options_masked(options: Any) -> Any:
    """The options with every credential's value replaced by MASK (empty values stay empty)."""
    if isinstance(options, dict):
        return {
            name: (MASK if value not in ("", None) else value)
            if option_is_secret(str(name)) and not isinstance(value, dict | list)
            else options_masked(value)
            for name, value in options.items()
        }
    if isinstance(options, list):
        return [options_masked(value) for value in options]
    return options


def options_merged(posted: Any, stored: Any) -> Any:
    """The posted options with every MASK put back to the stored value at the same place."""
    if isinstance(posted, dict):
        kept = stored if isinstance(stored, dict) else {}
        return {
            name: kept.get(name, "") if value == MASK else options_merged(value, kept.get(name))
            for name, value in posted.items()
        }
    if isinstance(posted, list):
        kept_list = stored if isinstance(stored, list) else []
        return [
            options_merged(value, kept_list[n] if n < len(kept_list) else None)
            for n, value in enumerate(posted)
        ]
    return posted


def options_secret_names(options: Any, prefix: str = "") -> list[str]:
    """Dotted names of the credentials set in the options (for "set" badges)."""
    names: list[str] = []
    if isinstance(options, dict):
        for name, value in options.items():
            dotted = f"{prefix}{name}"
            if isinstance(value, dict | list):
                names += options_secret_names(value, f"{dotted}.")
            elif option_is_secret(str(name)) and value not in ("", None):
                names.append(dotted)
    elif isinstance(options, list):
        for n, value in enumerate(options):
            names += options_secret_names(value, f"{prefix}{n}.")
    return names
