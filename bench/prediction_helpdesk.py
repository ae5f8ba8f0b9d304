"""Remaining time and next activity on the Helpdesk log, against the baselines, in one run.

Run: python bench/prediction_helpdesk.py [--json]. Trains on the earliest 80% of cases by start time,
predicts every prefix of every other case, and prints the remaining-time MAE (days) and the
next-activity accuracy of the gradient-boosted models next to the simple baselines (mean remaining
time by last activity and prefix length; most frequent next activity after the last activity), and
how long training took.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unstuck.settings")
os.environ.setdefault("UNSTUCK_TIME_ZONE", "UTC")
import django

django.setup()

from unstuck.insights.prediction import log_evaluate  # noqa: E402
from unstuck.insights.prediction_features import traces_from_file  # noqa: E402

HELPDESK = Path(__file__).resolve().parents[2] / "shared" / "data" / "helpdesk" / "helpdesk.csv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=HELPDESK, help="CSV or XES event log")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not args.path.is_file():
        print(f"no event log at {args.path}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    traces = traces_from_file(args.path)
    read_seconds = time.perf_counter() - started
    result = log_evaluate(traces)
    if args.json:
        print(json.dumps({**result.as_json(), "read_seconds": read_seconds}, indent=2))
        return 0
    print(f"log: {args.path.name}: {len(traces)} cases, read in {read_seconds:.2f} s")
    print(
        f"train: earliest {result.train_cases} cases ({result.train_prefixes} prefixes); "
        f"test: latest {result.test_cases} cases ({result.test_prefixes} prefixes)"
    )
    print(f"{'':24}{'model':>10}{'baseline':>10}")
    print(f"{'remaining time MAE (d)':24}{result.mae_days:>10.3f}{result.baseline_mae_days:>10.3f}")
    print(f"{'next activity accuracy':24}{result.accuracy:>10.3f}{result.baseline_accuracy:>10.3f}")
    print(
        f"training time: remaining-time model {result.train_seconds_remaining:.2f} s, "
        f"next-activity model {result.train_seconds_next:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
