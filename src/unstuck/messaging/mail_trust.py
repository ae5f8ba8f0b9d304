"""Whom an inbound mail may be trusted to come from: its sender's address normalised, and what the
receiving server's `Authentication-Results` (RFC 8601) say about the sender's domain.

Only failures count. A sender can write any `Authentication-Results` header into their own mail, so a
`pass` proves nothing and is never what lets a mail in; a `fail` for the sender's domain (from our
receiving server, or a forger hurting only themselves) sends the mail to quarantine.
"""

from __future__ import annotations

import contextlib
import re
from email.message import EmailMessage
from email.utils import parseaddr

_RESULT = re.compile(r"\b(dmarc|spf|dkim)\s*=\s*([a-z]+)", re.IGNORECASE)
_DOMAIN_PROPERTY = re.compile(
    r"\b(?:header\.from|header\.d|header\.i|smtp\.mailfrom|smtp\.helo)\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE
)


def address_normalise(value: str) -> str:
    """`王女士 <Wang@Example.CN>` → `wang@example.cn` (IDN domains as punycode); '' if no address."""
    address = parseaddr(value or "")[1].strip().strip("<>")
    if "@" not in address:
        return ""
    local, _, domain = address.rpartition("@")
    with contextlib.suppress(UnicodeError):  # not a valid IDN: compare it as written
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}".casefold()


def _domain_of(value: str) -> str:
    value = value.strip().strip("<>").rstrip(".")
    return value.rpartition("@")[2].casefold()


def _aligned(domain: str, sender_domain: str) -> bool:
    """Relaxed alignment (DMARC's): the same organisational domain, one a subdomain of the other."""
    return (
        domain == sender_domain
        or sender_domain.endswith(f".{domain}")
        or domain.endswith(f".{sender_domain}")
    )


def authentication_failure(parsed: EmailMessage, *, sender: str) -> str:
    """'' when no `Authentication-Results` header reports a failure for the sender's domain; else what
    failed, e.g. `dmarc=fail header.from=example.cn`. A DKIM failure is forgiven when another DKIM
    signature of the same domain passed (mail often carries several)."""
    sender_domain = _domain_of(sender)
    if not sender_domain:
        return ""
    failures: list[tuple[str, str]] = []
    dkim_passed = False
    for header in parsed.get_all("Authentication-Results") or []:
        for resinfo in str(header).split(";")[1:]:  # the first part names the server that checked
            found = _RESULT.search(resinfo)
            if found is None:
                continue
            method, result = found.group(1).lower(), found.group(2).lower()
            domains = [_domain_of(value) for value in _DOMAIN_PROPERTY.findall(resinfo)]
            if domains and not any(_aligned(domain, sender_domain) for domain in domains):
                continue  # about another domain (a forwarder's, a mailing list's)
            if method == "dkim" and result == "pass":
                dkim_passed = True
            if result == "fail":
                failures.append((method, " ".join(resinfo.split())[:120]))
    kept = [text for method, text in failures if not (method == "dkim" and dkim_passed)]
    return "; ".join(kept)[:300]
