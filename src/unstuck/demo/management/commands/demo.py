"""`unstuck demo`: migrate, seed a demo organisation, serve it with a worker and live events.

    unstuck demo [--host 127.0.0.1] [--port 8000] [--rate 3] [--no-seed] [--weeks 4] [--seed 7]
    unstuck demo seed [--weeks 4] [--seed 7]      # only migrate and seed, then exit

Ctrl-C (or SIGTERM) stops the web server and the worker it started and exits with status 0; if
one of them dies on its own, the other is stopped too and the exit status is 1.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from datetime import datetime
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections
from django.utils import timezone

from unstuck.core.database import migrate_pending
from unstuck.demo.live import LiveGenerator
from unstuck.demo.services import (
    ADMIN_USERNAME,
    DemoSeedResult,
    demo_admin_password_ensure,
    demo_organisation_ensure,
    demo_processes_load,
    demo_seed_pending,
)
from unstuck.demo.supervisor import (
    ProcessTree,
    browser_url,
    environment,
    exit_code_text,
    free_port,
    port_free,
    wait_until_healthy,
)
from unstuck.environment import data_dir

logger = logging.getLogger("unstuck.demo")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STARTUP_SECONDS = 60


class Command(BaseCommand):
    help = (
        "Start a seeded demo: web server, worker and live events in one command (Ctrl-C stops all). "
        "`unstuck demo seed` only migrates and seeds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", nargs="?", choices=["run", "seed"], default="run", help="run (default) or seed only"
        )
        parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
        parser.add_argument(
            "--rate", type=float, default=3.0, help="live events per second (default 3; 0 = none)"
        )
        parser.add_argument("--no-seed", action="store_false", dest="seed_data", help="do not seed demo data")
        parser.add_argument("--weeks", type=int, default=4, help="weeks of seeded history (default 4)")
        parser.add_argument("--seed", type=int, default=7, help="random seed of the history (default 7)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.say("准备数据库 / preparing the database ...")
        migrate_pending(stdout=self.stdout)
        if options["seed_data"] or options["action"] == "seed":
            try:
                self.seed(weeks=options["weeks"], seed=options["seed"])
            except KeyboardInterrupt:
                self.say("interrupted; the next `unstuck demo` resumes the seed where it stopped")
                return
        else:  # no history, but the live events need the processes and the people
            demo_processes_load()
            demo_organisation_ensure()
        if options["action"] == "seed":
            return
        password = demo_admin_password_ensure(secret_file=data_dir() / "demo-admin-password")
        connections.close_all()
        code = self.run(options, password)
        if code:
            raise CommandError("the demo stopped because a part of it failed (see above)", returncode=code)

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def seed(self, *, weeks: int, seed: int) -> None:
        def interrupt(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, interrupt)
        try:
            self.say(f"生成演示数据 / seeding {weeks} weeks of demo history ...")
            started = time.perf_counter()

            def progress(share: float, moment: datetime) -> None:
                local = timezone.localtime(moment).strftime("%m-%d %H:%M")
                elapsed = time.perf_counter() - started
                self.say(f"  {share:4.0%}  模拟时间 / simulated {local}  ({elapsed:.0f} s)")

            result = demo_seed_pending(now=timezone.now(), weeks=weeks, seed=seed, progress=progress)
        finally:
            signal.signal(signal.SIGTERM, previous)
        if result is None:
            self.say("演示数据已存在 / demo data already seeded")
        else:
            self.say(self.seed_summary(result))

    @staticmethod
    def seed_summary(result: DemoSeedResult) -> str:
        return (
            f"seeded {result.items:,} items, {result.events:,} events ({result.accepted:,} new), "
            f"{result.customers:,} customers, {result.users} users in {result.teams} teams; "
            f"{result.stalls:,} stalls recorded, in {result.seconds:.1f} s"
        )

    def run(self, options: dict[str, Any], password: str) -> int:
        host: str = options["host"]
        port: int = options["port"] or free_port(host)
        if not port_free(host, port):
            raise CommandError(f"port {port} on {host} is in use; pick another with --port")
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        for number in STOP_SIGNALS:
            signal.signal(number, request_stop)
        tree = ProcessTree(env=environment())
        try:
            tree.start("web server", "serve", "--host", host, "--port", str(port), "--no-migrate")
            tree.start("worker", "worker")
            url = browser_url(host, port)
            healthy = wait_until_healthy(
                f"{url}api/v1/health",
                timeout=STARTUP_SECONDS,
                alive=lambda: not (tree.dead() or stop.is_set()),
            )
            if stop.is_set():
                return 0
            if not healthy:
                if not self.report_dead(tree):
                    self.stderr.write(
                        f"unstuck demo: the web server did not answer within {STARTUP_SECONDS} s"
                    )
                return 1
            self.banner(url, password, options["rate"])
            return self.live(tree, stop, rate=options["rate"], seed=options["seed"])
        finally:
            killed = tree.stop()
            if killed:
                self.stderr.write(f"unstuck demo: had to kill {', '.join(killed)}")
            self.say("演示已停止 / demo stopped")

    def banner(self, url: str, password: str, rate: float) -> None:
        self.say(
            "\n".join(
                (
                    "",
                    f"  Unstuck 演示 / demo:  {url}",
                    f"  管理后台 / admin:      {url}admin/   用户名 {ADMIN_USERNAME}  密码 {password}",
                    f"  API 文档 / API docs:   {url}api/v1/docs",
                    f"  实时事件 / live:       about {rate:g} events per second",
                    "  试试 / try:            unstuck stalls --process order-delivery",
                    "  按 Ctrl-C 停止 / press Ctrl-C to stop",
                    "",
                )
            )
        )

    def report_dead(self, tree: ProcessTree) -> bool:
        """Say which child died on its own, if one did."""
        dead = tree.dead()
        if dead is None:
            return False
        self.stderr.write(
            f"unstuck demo: the {dead.name} exited unexpectedly "
            f"({exit_code_text(dead.process.returncode)}); stopping the rest"
        )
        return True

    def live(self, tree: ProcessTree, stop: threading.Event, *, rate: float, seed: int) -> int:
        """Send live events until a stop signal (0) or until a child dies (1)."""
        generator = LiveGenerator(rng=random.Random(seed), rate=rate, now=timezone.now())
        while not stop.wait(1.0):
            if self.report_dead(tree):
                return 1
            if rate <= 0:
                continue
            try:
                generator.tick(now=timezone.now())
            except DatabaseError:  # e.g. SQLite busy for longer than its timeout: try next second
                logger.warning("live demo events: database busy, retrying", exc_info=True)
        return 0
