"""Where Unstuck keeps its files and how it reads its configuration from the environment.

Kept apart from settings.py so the command line can use it before Django is configured.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The per-user directory holding the embedded database and the generated secret key."""
    configured = os.environ.get("UNSTUCK_DATA_DIR")
    path = Path(configured) if configured else Path(platformdirs.user_data_dir("unstuck", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'unstuck.sqlite3'}"


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated on first start and kept in the data dir."""
    configured = os.environ.get("SECRET_KEY")
    if configured:
        return configured
    key_file = data_dir() / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    # O_EXCL: two processes starting at once must agree on one key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def trusted_proxies(value: str) -> list[str]:
    """The reverse proxies whose X-Forwarded-For is believed: addresses or networks, comma-separated
    (`10.0.0.5, 10.1.0.0/16, ::1`). `*` is refused: it would let any client choose its own address."""
    import ipaddress

    from django.core.exceptions import ImproperlyConfigured

    networks = []
    for part in (piece.strip() for piece in value.split(",")):
        if not part:
            continue
        if part == "*":
            raise ImproperlyConfigured(
                "UNSTUCK_TRUSTED_PROXY='*' would let any client fake its address with X-Forwarded-For "
                "(and so dodge the sign-in lockout): list your reverse proxies' addresses or networks "
                "instead, e.g. UNSTUCK_TRUSTED_PROXY=127.0.0.1,10.0.0.0/8."
            )
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"UNSTUCK_TRUSTED_PROXY: {part!r} is not an IP address or network "
                "(like 10.0.0.5 or 10.0.0.0/8)."
            ) from None
    return networks
