"""What anchors the case timelines outside the database: the audit key and the anchor file.

The key (env `UNSTUCK_AUDIT_KEY`, else a file in the data directory created 0600 on first use) turns
each entry's hash into an HMAC, so someone who can write the database but cannot read the key cannot
recompute a chain after rewriting an entry. An HMAC cannot show that the last entries were deleted
(the entry before them is still sealed), so `unstuck audit anchor` appends the chains' heads to an
append-only file outside the database; `audit verify` checks every chain still reaches its anchored
head. Anchor lines are HMAC-chained too, so the file cannot be forged without the key.
See docs/audit.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from unstuck.cases.models import Case

try:  # POSIX: one anchor writer at a time, so the lines' chain stays linear
    import fcntl
except ImportError:  # pragma: no cover - Windows: anchors are written by one scheduled job anyway
    fcntl = None  # type: ignore[assignment]

_keys: dict[tuple[str, str], bytes] = {}


def audit_key() -> bytes:
    """The HMAC key: `UNSTUCK_AUDIT_KEY`, else the key file (created 0600 on first use)."""
    configured = str(settings.UNSTUCK_AUDIT_KEY or "")
    path = str(settings.UNSTUCK_AUDIT_KEY_FILE)
    cached = _keys.get((configured, path))
    if cached is not None:
        return cached
    if configured:
        key = configured.encode("utf-8")
    else:
        key_file = Path(path)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: processes starting at once agree on one key
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = key_file.read_text(encoding="ascii").strip().encode("ascii")
        else:
            text = secrets.token_hex(32)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(text + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            key = text.encode("ascii")
            # The moment the key is born, pin every chain written before it (plain SHA-256): from now
            # on an unkeyed entry is accepted only up to these heads.
            _keys[(configured, path)] = key
            anchor_append(heads=chain_heads(), key=key, full=True, at=timezone.now())
    if not key:
        raise RuntimeError(f"The audit key file {path} is empty.")
    _keys[(configured, path)] = key
    return key


def chain_heads() -> dict[int, tuple[int, str]]:
    """Every case's chain head as the case row records it: id → (last seq, its hash)."""
    return {
        pk: (seq, head)
        for pk, seq, head in Case.objects.filter(timeline_seq__gt=0).values_list(
            "pk", "timeline_seq", "timeline_head"
        )
    }


def seal(payload: str, *, key: bytes | None) -> str:
    """HMAC-SHA256 of `payload` under `key`; plain SHA-256 when `key` is None (entries before the key)."""
    data = payload.encode("utf-8")
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Anchors:
    """What the anchor file says: the heads of its first line (the baseline: the chains as they were
    when the key was born or first anchored), per case the latest anchored (seq, head, when), and
    problems with the file itself."""

    baseline: dict[int, tuple[int, str]] = field(default_factory=dict)
    baseline_at: str = ""
    latest: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    lines: int = 0
    last_mac: str = ""
    problems: list[str] = field(default_factory=list)


def anchor_path() -> Path:
    return Path(str(settings.UNSTUCK_AUDIT_ANCHOR_FILE))


def anchors_read(*, key: bytes) -> Anchors:
    """Read and check the anchor file (absent: no anchors yet)."""
    anchors = Anchors()
    path = anchor_path()
    if not path.exists():
        return anchors
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
                mac = line.pop("mac")
                heads = {int(case): (int(seq), str(head)) for case, (seq, head) in line["heads"].items()}
            except (ValueError, KeyError, TypeError, AttributeError):
                anchors.problems.append(f"anchor file {path} line {number}: unreadable")
                continue
            if not hmac.compare_digest(mac, seal(_canonical(line), key=key)):
                anchors.problems.append(f"anchor file {path} line {number}: not sealed with the audit key")
                continue
            if line.get("prev", "") != anchors.last_mac:
                anchors.problems.append(f"anchor file {path} line {number}: a line before it is missing")
            anchors.lines += 1
            anchors.last_mac = mac
            if anchors.lines == 1:
                anchors.baseline, anchors.baseline_at = heads, str(line.get("at", ""))
            for case_id, (seq, head) in heads.items():
                anchors.latest[case_id] = (seq, head, str(line.get("at", "")))
    return anchors


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def anchor_append(*, heads: dict[int, tuple[int, str]], key: bytes, full: bool, at: datetime) -> int:
    """Append one line with the heads that changed since the last anchor; returns how many it holds.

    The first line holds every case (`full`), later ones only the cases whose head moved, so the file
    grows with the activity, not with the number of cases.
    """
    path = anchor_path()
    with _locked(path) as fd:
        anchors = anchors_read(key=key)
        changed = {
            case_id: value
            for case_id, value in heads.items()
            if full or anchors.lines == 0 or anchors.latest.get(case_id, (0, "", ""))[:2] != value
        }
        line: dict[str, Any] = {
            "v": 1,
            "at": at.astimezone(UTC).isoformat(),
            "full": full or anchors.lines == 0,
            "prev": anchors.last_mac,
            "heads": {str(case_id): [seq, head] for case_id, (seq, head) in sorted(changed.items())},
        }
        line["mac"] = seal(_canonical(line), key=key)
        os.write(fd, (_canonical(line) + "\n").encode("utf-8"))
        os.fsync(fd)
    return len(changed)
