"""`unstuck analyze` vs pm4py, end to end from the file to the DFG figures, on Helpdesk and on 100× Helpdesk.

Run: python bench/analyze_vs_pm4py.py [--scale 100]. pm4py (AGPL) is only the reference here.
Prints seconds (best of --repeat on the small log), the speed ratio and how many edge figures
disagree (count exact, mean/median 1e-6 relative).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unstuck.settings")
import django

django.setup()

from unstuck.insights.dfg import LogInsights  # noqa: E402
from unstuck.insights.log_file import log_analyze  # noqa: E402

HELPDESK = Path(__file__).resolve().parents[2] / "shared" / "data" / "helpdesk" / "helpdesk.xes.gz"


def ours(path: Path) -> tuple[float, LogInsights]:
    started = time.perf_counter()
    insights = log_analyze(path)
    return time.perf_counter() - started, insights


def theirs(path: Path) -> tuple[float, dict[Any, Any], dict[Any, int]]:
    import pm4py

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = pm4py.read_xes(str(path), show_progress_bar=False)
        performance, _s, _e = pm4py.discover_performance_dfg(log)
        counts, _s, _e = pm4py.discover_dfg(log)
    return time.perf_counter() - started, performance, counts


def mismatches(insights: LogInsights, performance: dict[Any, Any], counts: dict[Any, int]) -> int:
    def close(a: float, b: float) -> bool:
        return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1.0)

    edges = {(e.source, e.target): e for e in insights.edges}
    bad = len(set(edges) ^ set(counts)) + len(set(edges) ^ set(performance))
    for pair, edge in edges.items():
        if pair in counts and edge.count != counts[pair]:
            bad += 1
        if pair in performance:
            bad += not close(edge.mean_seconds, performance[pair]["mean"])
            bad += not close(edge.median_seconds, performance[pair]["median"])
    return bad


def scaled(source: Path, times: int, target: Path) -> None:
    """The log repeated `times` times, each copy's case ids suffixed so cases stay distinct."""
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        text = handle.read()
    head, _, rest = text.partition("<trace>")
    body, _, tail = ("<trace>" + rest).rpartition("</trace>")
    body += "</trace>"
    case_name = re.compile(r'(<trace>\s*<string key="concept:name" value=")([^"]*)(")')
    with gzip.open(target, "wt", encoding="utf-8", compresslevel=1) as out:
        out.write(head)
        for copy in range(times):
            out.write(case_name.sub(lambda m, c=copy: f"{m[1]}{m[2]} #{c}{m[3]}", body))
        out.write(tail)


def compare(label: str, path: Path, repeat: int) -> None:
    """Best of `repeat` runs each, alternating, so a busy machine hurts both sides alike."""
    our_seconds = their_seconds = float("inf")
    for _ in range(repeat):
        seconds, insights = ours(path)
        our_seconds = min(our_seconds, seconds)
        seconds, performance, counts = theirs(path)
        their_seconds = min(their_seconds, seconds)
    print(
        f"{label}: {insights.events:,} events, {insights.cases:,} cases | unstuck {our_seconds:.2f}s"
        f" | pm4py {their_seconds:.2f}s | ratio {their_seconds / our_seconds:.1f}x"
        f" | mismatches {mismatches(insights, performance, counts)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100, help="copies of Helpdesk in the large log")
    parser.add_argument("--path", type=Path, default=HELPDESK)
    parser.add_argument("--repeat", type=int, default=5, help="runs on the small log (best is shown)")
    args = parser.parse_args()
    if not args.path.is_file():
        sys.exit(f"no event log at {args.path}")
    compare("helpdesk", args.path, args.repeat)
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / f"helpdesk-x{args.scale}.xes.gz"
        scaled(args.path, args.scale, big)
        compare(f"helpdesk x{args.scale}", big, 1)


if __name__ == "__main__":
    main()
