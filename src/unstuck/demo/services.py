"""Writes for the demo: the demo organisation, its seeded history and the demo admin's password."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import time_machine
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from unstuck.accounts.services import team_ensure, user_ensure, user_password_set
from unstuck.casework.demo import casework_demo_seed
from unstuck.core.worker import JOBS, run_jobs_once
from unstuck.demo import catalog
from unstuck.demo.agents import agents_work
from unstuck.demo.customers import customers_answer
from unstuck.demo.history import history_build
from unstuck.demo.journeys import PlannedEvent
from unstuck.demo.models import DemoSeed
from unstuck.processes.services import ProcessLoadResult, process_load
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.models import Item
from unstuck.tracking.services import event_ingest_batch

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PROCESS_DIR = Path(__file__).resolve().parent / "processes"
SEED_SOURCE = "demo:seed"
ADMIN_USERNAME = "admin"
#: Events of one `event_ingest_batch` call while seeding.
SEED_BATCH = 2000
#: While seeding, the simulated worker is never later than this, and a chunk of events spans at most
#: this much history: stalls shorter than it may go unrecorded, as with a worker running that late.
SEED_WINDOW = timedelta(minutes=20)
_ONE_MICROSECOND = timedelta(microseconds=1)
#: How often (in simulated time) the seed runs the worker's case jobs and lets the people act.
WORK_EVERY = timedelta(minutes=30)
#: Before the last DETAILED stretch of the history the office runs less often: what it does there (cases
#: picked up, resolved, escalated) happens all the same, at most this much later than planned.
WORK_EVERY_EARLIER = timedelta(hours=2)
DETAILED = timedelta(days=3)
#: Told how far a seed has got: the share of the history replayed and the simulated moment reached.
Progress = Callable[[float, datetime], None]
#: Jobs that talk to the outside world or only matter live: not run while the past is replayed.
SKIPPED_WHILE_SEEDING = frozenset(
    {
        "outbox_deliver_job",
        "imap_poll_job",
        "prediction_retrain_job",
        "prediction_score_job",
        "brief_mail_job",
    }
)


class DemoSeedError(RuntimeError):
    """The seeded history did not go in as generated (a bug in the demo data, never expected)."""


@dataclass(frozen=True)
class DemoSeedResult:
    """What `demo_seed` did; a second run with the same arguments accepts no events."""

    processes: int
    teams: int
    users: int
    customers: int
    items: int
    events: int
    accepted: int
    duplicates: int
    stalls: int
    seconds: float


def demo_processes_load() -> list[ProcessLoadResult]:
    """Load the three demo process files; unchanged files change nothing."""
    return [
        process_load(source=path.read_text(encoding="utf-8"), loaded_by="demo")
        for path in sorted(PROCESS_DIR.glob("*.yaml"))
    ]


@transaction.atomic
def demo_organisation_ensure() -> tuple[int, int]:
    """Create the demo's teams and people (idempotent); returns (teams, users)."""
    for key, name in catalog.TEAMS:
        team_ensure(key=key, name=name)
    for username, display_name, role, team_key in catalog.USERS:
        _person_ensure(username=username, display_name=display_name, role=role, team_key=team_key)
    return len(catalog.TEAMS), len(catalog.USERS)


def _person_ensure(*, username: str, display_name: str, role: str, team_key: str | None) -> User:
    # The demo's admins may use /admin/ as well.
    return user_ensure(
        username=username, role=role, team_key=team_key, display_name=display_name, superuser=role == "admin"
    )


def _admin_ensure() -> User:
    username, display_name, role, team_key = next(u for u in catalog.USERS if u[0] == ADMIN_USERNAME)
    return _person_ensure(username=username, display_name=display_name, role=role, team_key=team_key)


def demo_admin_password_ensure(*, secret_file: Path) -> str:
    """The demo admin's password: the one kept in `secret_file` if it still works, else a new one.

    The file lives in the data directory (never the repository), readable by its owner only, so
    `unstuck demo` can print the same login on every start.
    """
    user = _admin_ensure()
    if secret_file.exists():
        kept = secret_file.read_text(encoding="utf-8").strip()
        if kept and user.check_password(kept):
            return kept
    password = secrets.token_urlsafe(12)
    user_password_set(user=user, password=password)
    descriptor = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password


def _drain(now: datetime) -> int:
    """Let the worker process every deadline due by `now`; returns the stalls it recorded."""
    stalls = 0
    while True:
        done = deadlines_process_due(now=now, batch=500)
        stalls += done.stalls
        if not done.items:
            return stalls


def _catch_up(until: datetime) -> int:
    """Run the worker in simulated time up to `until`, never more than SEED_WINDOW late.

    Jumps from one due deadline to the next instead of ticking through quiet nights, so a stall is
    detected at most SEED_WINDOW after it began, as a worker running at the time would have.
    """
    stalls = 0
    while True:
        # Reads the tracking app's deadline index directly: the simulated worker's own clock.
        due = Item.objects.filter(next_deadline__lt=until).aggregate(first=Min("next_deadline"))["first"]
        if due is None:
            return stalls
        stalls += _drain(min(due + SEED_WINDOW, until))


#: Jobs the seed runs only over the last stretch of its history: proactive updates to customers are
#: the costliest job (a rendered, routed message per stalled case every few hours) and only the recent
#: ones matter on a case page; older stalls show their reminders, escalations and surveys.
RECENT_WHILE_SEEDING = {"proactive_updates_job": timedelta(days=2)}


def _seed_jobs(*, moment: datetime | None = None, end: datetime | None = None) -> tuple[str, ...]:
    """The worker's jobs the seed runs at simulated `moment` of a history ending at `end`."""

    def wanted(name: str) -> bool:
        if name in SKIPPED_WHILE_SEEDING:
            return False
        recent = RECENT_WHILE_SEEDING.get(name)
        return recent is None or moment is None or end is None or moment >= end - recent

    return tuple(path for path in JOBS if wanted(path.rsplit(".", 1)[1]))


class _Office:
    """The worker's other jobs and the demo's people, run at simulated moments while seeding.

    At most every WORK_EVERY of simulated time (WORK_EVERY_EARLIER before the last DETAILED days) the
    clock is moved (time_machine, frozen) to that moment and
    the jobs and agents run through the real services, so case timelines, SLA clocks and everything
    derived from them carry the times they would have had.
    """

    def __init__(self, *, seed: int, end: datetime, enabled: bool = True) -> None:
        self.seed = seed
        self.end = end
        self.enabled = enabled
        self.last: datetime | None = None

    def run(self, moment: datetime, *, force: bool = False) -> None:
        every = WORK_EVERY if moment >= self.end - DETAILED else WORK_EVERY_EARLIER
        if not self.enabled or (not force and self.last is not None and moment - self.last < every):
            return
        self.last = moment
        with time_machine.travel(moment, tick=False):
            # what a batch leaves over is picked up on the next round
            run_jobs_once(_seed_jobs(moment=moment, end=self.end))
            agents_work(now=moment, seed=self.seed)
            customers_answer(now=moment, seed=self.seed)


def _replay(
    events: list[PlannedEvent],
    *,
    now: datetime,
    batch: int,
    office: _Office,
    progress: Progress | None = None,
) -> tuple[int, int, int]:
    """Feed `events` (in time order) through ingest with the worker running in simulated time in
    between, so stalls that later recovered are on record too, detected when they happened."""
    accepted = duplicates = stalls = 0
    position = 0
    reported = 0
    while position < len(events):
        if progress is not None and position * 10 // len(events) > reported:
            reported = position * 10 // len(events)
            progress(position / len(events), events[position].at)
        first = events[position].at
        stalls += _catch_up(first - _ONE_MICROSECOND)
        office.run(first - _ONE_MICROSECOND)
        end = position
        limit = first + SEED_WINDOW
        while end < len(events) and end - position < batch and events[end].at < limit:
            end += 1
        result = event_ingest_batch(events=[e.as_event() for e in events[position:end]], source=SEED_SOURCE)
        if result.rejected or result.unknown_steps:
            raise DemoSeedError(f"demo events refused: {result.rejected[:3]} {result.unknown_steps}")
        accepted += result.accepted
        duplicates += result.duplicates
        position = end
    stalls += _catch_up(now) + _drain(now)
    office.run(now, force=True)
    return accepted, duplicates, stalls


def demo_seed(
    *,
    now: datetime,
    weeks: int = 4,
    seed: int = 7,
    batch: int = SEED_BATCH,
    case_work: bool = True,
    progress: Progress | None = None,
) -> DemoSeedResult:
    """Load the demo processes and organisation and replay `weeks` of history ending at `now`.

    Deterministic and idempotent: the same arguments produce the same events with the same keys,
    so a second run accepts nothing and records nothing. The worker runs in simulated time while
    the history is replayed, so past stalls are recorded (and resolved) when they happened, and
    the items still stuck at `now` have open stalls. With `case_work` the worker's case jobs and the
    demo's people work the cases in simulated time as well (see `_Office`); without, the history
    holds events and stalls only (faster, for tests about those). `progress(share, moment)` is told
    every tenth of the history replayed, with the simulated moment reached.
    """
    started = time.perf_counter()
    processes = demo_processes_load()
    teams, users = demo_organisation_ensure()
    history = history_build(now=now, weeks=weeks, seed=seed)
    run, _ = DemoSeed.objects.get_or_create(anchor=now, weeks=weeks, seed=seed)
    office = _Office(seed=seed, end=now, enabled=case_work)
    accepted, duplicates, stalls = _replay(
        history.events, now=now, batch=batch, office=office, progress=progress
    )
    with time_machine.travel(now, tick=False):  # at the seed's own "now", like the rest of its history
        casework_demo_seed()  # causes, remedies, an incident and a problem on the demo's cases
    if run.finished_at is None:
        run.finished_at = timezone.now()
        run.items = history.items
        run.events = len(history.events)
        run.save(update_fields=["finished_at", "items", "events"])
    return DemoSeedResult(
        processes=len(processes),
        teams=teams,
        users=users,
        customers=history.customers,
        items=history.items,
        events=len(history.events),
        accepted=accepted,
        duplicates=duplicates,
        stalls=stalls,
        seconds=time.perf_counter() - started,
    )


def demo_seed_pending(
    *, now: datetime, weeks: int = 4, seed: int = 7, progress: Progress | None = None
) -> DemoSeedResult | None:
    """Seed the demo unless a seed already finished here; returns None when there was nothing to do.

    An interrupted seed is resumed with its own end time, weeks and RNG seed, so its events line up
    with the ones already stored instead of starting a second, different history.
    """
    if DemoSeed.objects.filter(finished_at__isnull=False).exists():
        return None
    unfinished = DemoSeed.objects.filter(finished_at__isnull=True).order_by("started_at").first()
    if unfinished is not None:
        anchor, weeks, seed = unfinished.anchor, unfinished.weeks, unfinished.seed
    else:
        anchor = now
    return demo_seed(now=anchor, weeks=weeks, seed=seed, progress=progress)
