import io
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from unstuck.core.testing import isolated_environment
from unstuck.demo.models import DemoSeed
from unstuck.demo.supervisor import free_port


@pytest.mark.django_db
def test_demo_seed_seeds_once_and_then_says_so():
    out = io.StringIO()
    call_command("demo", "seed", "--weeks", "1", stdout=out)
    assert "seeded" in out.getvalue()
    assert DemoSeed.objects.filter(finished_at__isnull=False, weeks=1).count() == 1
    out = io.StringIO()
    call_command("demo", "seed", stdout=out)
    assert "already seeded" in out.getvalue()
    assert DemoSeed.objects.count() == 1


def children_of(pid: int) -> set[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def start_demo(env: dict[str, str], port: int) -> tuple[subprocess.Popen[str], set[int]]:
    demo = subprocess.Popen(
        [sys.executable, "-m", "unstuck", "demo", "--port", str(port), "--rate", "5", "--weeks", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert demo.poll() is None, demo.communicate()[0]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        demo.kill()
        pytest.fail(f"the demo never became healthy:\n{demo.communicate()[0]}")
    children = children_of(demo.pid)
    assert len(children) == 2, children
    return demo, children


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")
def test_ctrl_c_stops_the_whole_demo_cleanly(tmp_path):
    with isolated_environment(tmp_path) as env:
        demo, children = start_demo(env, free_port("127.0.0.1"))
        time.sleep(3)  # let a few live ticks happen
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=60)
        assert demo.returncode == 0, output
        assert "admin" in output and "unstuck stalls --process order-delivery" in output
        assert "demo stopped" in output
        assert not [pid for pid in children if alive(pid)]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")
def test_when_a_child_dies_the_demo_stops_the_rest_and_fails(tmp_path):
    with isolated_environment(tmp_path) as env:
        demo, children = start_demo(env, free_port("127.0.0.1"))
        worker = next(pid for pid in children if b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes())
        os.kill(worker, signal.SIGKILL)
        output, _ = demo.communicate(timeout=60)
        assert demo.returncode == 1, output
        assert "the worker exited unexpectedly (killed by SIGKILL)" in output, output
        assert not [pid for pid in children if alive(pid)]
