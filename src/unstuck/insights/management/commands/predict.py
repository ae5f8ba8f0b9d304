"""`unstuck predict train|score|evaluate --process KEY` and `unstuck predict causes-train|causes-evaluate`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from unstuck.core.errors import DomainError
from unstuck.processes.selectors import process_by_key

ACTIONS = ("train", "score", "evaluate", "causes-train", "causes-evaluate")


def _figures(metrics: dict[str, Any]) -> list[str]:
    lines = [
        f"finished items: {metrics['finished_items']} (train {metrics['train_items']}, "
        f"held out {metrics['test_items']}, {metrics['test_prefixes']} held-out prefixes)",
        f"remaining time MAE: {metrics['mae_days']:.3f} d (baseline {metrics['baseline_mae_days']:.3f} d)",
    ]
    if "miss_brier" in metrics:
        auc = f", AUC {metrics['miss_auc']:.3f}" if "miss_auc" in metrics else ""
        brier, brier_base = metrics["miss_brier"], metrics["miss_baseline_brier"]
        hits, hits_base = metrics["miss_accuracy"], metrics["miss_baseline_accuracy"]
        lines.append(
            f"missed promise: Brier {brier:.3f} (baseline {brier_base:.3f}), "
            f"accuracy {hits:.3f} (baseline {hits_base:.3f}){auc}; "
            f"{metrics['miss_rate']:.1%} of held-out prefixes missed"
        )
    return lines


def _cause_figures(metrics: dict[str, Any]) -> list[str]:
    lines = [
        f"labelled cases: {metrics['labelled']} ({metrics['distinct_texts']} distinct texts, "
        f"{metrics['folds']}-fold cross-validation grouped by text)",
        f"precision@1: {metrics['precision_at_1']:.3f} "
        f"(always the most frequent category: {metrics['chance']:.3f})",
    ]
    for category, row in metrics["per_category"].items():
        precision = "—" if row["precision"] is None else f"{row['precision']:.3f}"
        lines.append(
            f"  {category}: precision {precision} ({row['suggested']} suggested, {row['support']} labelled)"
        )
    return lines


class Command(BaseCommand):
    help = (
        "Train, evaluate or score a process's prediction model (remaining time, missed promise), "
        "or train/evaluate the cause-suggestion model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("--process", help="process key (train, score, evaluate)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        from unstuck.insights import services_causes, services_ml

        action = options["action"]
        try:
            if action.startswith("causes-"):
                if action == "causes-train":
                    trained = services_causes.cause_model_train()
                    self._print(options, trained.metrics, _cause_figures, f"cause model {trained.pk} stored")
                else:
                    self._print(options, services_causes.cause_model_evaluate(), _cause_figures, "")
                return
            key = options["process"]
            if not key:
                raise CommandError(f"`unstuck predict {action}` needs --process KEY")
            process = process_by_key(key)
            if process is None:
                raise CommandError(f"no process {key!r}; see `unstuck process list`")
            if action == "evaluate":
                self._print(options, services_ml.prediction_evaluate(process=process), _figures, "")
            elif action == "train":
                trained = services_ml.prediction_train(process=process)
                note = f"model {trained.pk} stored ({trained.train_seconds:.1f} s)"
                self._print(options, trained.metrics, _figures, note)
            else:
                scored = services_ml.prediction_score_all(process=process)
                self._print(options, {"scored": scored}, lambda m: [f"{m['scored']} open items scored"], "")
        except DomainError as error:
            raise CommandError(error.message) from None

    def _print(self, options: dict[str, Any], metrics: dict[str, Any], lines: Any, note: str) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(metrics, ensure_ascii=False, indent=2))
            return
        for line in lines(metrics):
            self.stdout.write(line)
        if note:
            self.stdout.write(note)
