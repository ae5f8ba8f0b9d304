"""Predicting how running cases end: remaining time, next activity and whether the promise is missed.

Pure learning code (no database): traces in, fitted models and honest held-out figures out. Every
model is measured against a simple baseline computed in the same run on the same held-out cases:

- remaining time: the mean remaining time of training prefixes with the same last activity and
  prefix length (falling back to the last activity alone, then to the overall mean);
- next activity: the most frequent next activity after the same last activity.

The split is by time, never random: the earliest cases (by start) train, the latest test, as a model
in production only ever learns from the past.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier
from threadpoolctl import threadpool_limits

from unstuck.insights.prediction_features import END, Prefix, PrefixEncoder, Trace, prefixes

DAY_SECONDS = 86_400.0
#: Fixed, so the same data always gives the same model and the same figures.
SEED = 20_240_601


def split_by_start(
    traces: Sequence[Trace], *, train_fraction: float = 0.8
) -> tuple[list[Trace], list[Trace]]:
    """The earliest `train_fraction` of traces by start time, and the rest (ties by case id)."""
    ordered = sorted(traces, key=lambda trace: (trace.start, trace.case))
    cut = round(len(ordered) * train_fraction)
    return ordered[:cut], ordered[cut:]


def all_prefixes(traces: Sequence[Trace]) -> list[Prefix]:
    """Every prefix of every trace."""
    return [prefix for trace in traces for prefix in prefixes(trace)]


class RemainingTimeBaseline:
    """Mean remaining time by (last activity, prefix length), then by last activity, then overall."""

    def fit(self, sample: Sequence[Prefix]) -> RemainingTimeBaseline:
        by_both: dict[tuple[str, int], list[float]] = defaultdict(list)
        by_last: dict[str, list[float]] = defaultdict(list)
        for prefix in sample:
            by_both[(prefix.last.activity, prefix.length)].append(prefix.remaining_seconds)
            by_last[prefix.last.activity].append(prefix.remaining_seconds)
        self.both = {key: float(np.mean(values)) for key, values in by_both.items()}
        self.last = {key: float(np.mean(values)) for key, values in by_last.items()}
        self.overall = float(np.mean([prefix.remaining_seconds for prefix in sample])) if sample else 0.0
        return self

    def predict(self, sample: Sequence[Prefix]) -> np.ndarray:
        return np.array(
            [
                self.both.get(
                    (prefix.last.activity, prefix.length), self.last.get(prefix.last.activity, self.overall)
                )
                for prefix in sample
            ]
        )


class NextActivityBaseline:
    """The most frequent next activity after the same last activity (ties: alphabetical)."""

    def fit(self, sample: Sequence[Prefix]) -> NextActivityBaseline:
        following: dict[str, Counter[str]] = defaultdict(Counter)
        overall: Counter[str] = Counter()
        for prefix in sample:
            following[prefix.last.activity][prefix.next_activity] += 1
            overall[prefix.next_activity] += 1
        self.after = {last: _most_common(counts) for last, counts in following.items()}
        self.overall = _most_common(overall) if overall else END
        return self

    def predict(self, sample: Sequence[Prefix]) -> list[str]:
        return [self.after.get(prefix.last.activity, self.overall) for prefix in sample]


def _most_common(counts: Counter[str]) -> str:
    return min(counts.items(), key=lambda pair: (-pair[1], pair[0]))[0]


def _regressor(encoder: PrefixEncoder) -> HistGradientBoostingRegressor:
    # Absolute error: the figure we report is the mean absolute error, so that is what is minimised.
    return HistGradientBoostingRegressor(
        loss="absolute_error",
        max_iter=150,
        learning_rate=0.1,
        early_stopping=False,
        categorical_features=encoder.categorical_mask,
        random_state=SEED,
    )


def _classifier() -> RandomForestClassifier:
    # A random forest, not HistGradientBoostingClassifier: on the Helpdesk log the boosted
    # classifier (scikit-learn 1.9.1) could not even fit the last activity alone (training accuracy
    # 0.64, below the majority-vote baseline), while a forest fits it and generalises.
    return RandomForestClassifier(n_estimators=100, min_samples_leaf=3, n_jobs=1, random_state=SEED)


def _dense(matrix: np.ndarray) -> np.ndarray:
    """Missing values as -1 for the forest: codes and durations are all non-negative."""
    dense: np.ndarray = np.nan_to_num(matrix, nan=-1.0)
    return dense


def single_thread() -> threadpool_limits:
    """Train and predict on one core: the worker shares the machine, and on a busy machine
    OpenMP threads fighting over cores were several times slower than one thread."""
    return threadpool_limits(limits=1)


@dataclass
class RemainingTimeModel:
    """An encoder and a gradient-boosted regressor of the seconds left until the case ends."""

    encoder: PrefixEncoder
    regressor: HistGradientBoostingRegressor

    @classmethod
    def fit(cls, sample: Sequence[Prefix]) -> RemainingTimeModel:
        encoder = PrefixEncoder().fit(sample)
        regressor = _regressor(encoder)
        with single_thread():
            regressor.fit(encoder.encode(sample), np.array([prefix.remaining_seconds for prefix in sample]))
        return cls(encoder, regressor)

    def predict(self, sample: Sequence[Prefix]) -> np.ndarray:
        if not sample:
            return np.zeros(0)
        with single_thread():
            predicted: np.ndarray = np.clip(self.regressor.predict(self.encoder.encode(sample)), 0.0, None)
            return predicted


@dataclass
class NextActivityModel:
    """An encoder and a random-forest classifier of the next activity (or the end of the case)."""

    encoder: PrefixEncoder
    classifier: RandomForestClassifier | None
    only: str | None = None  # when training saw a single next activity, there is nothing to learn

    @classmethod
    def fit(cls, sample: Sequence[Prefix]) -> NextActivityModel:
        encoder = PrefixEncoder().fit(sample)
        labels = [prefix.next_activity for prefix in sample]
        if len(set(labels)) < 2:
            return cls(encoder, None, labels[0] if labels else END)
        classifier = _classifier()
        with single_thread():
            classifier.fit(_dense(encoder.encode(sample)), np.array(labels))
        return cls(encoder, classifier)

    def predict(self, sample: Sequence[Prefix]) -> list[str]:
        if self.classifier is None:
            return [self.only or END] * len(sample)
        with single_thread():
            return [str(label) for label in self.classifier.predict(_dense(self.encoder.encode(sample)))]


@dataclass
class PromiseMissModel:
    """The probability that a case ends after its promise, from its prefix and the time left to it."""

    encoder: PrefixEncoder
    classifier: RandomForestClassifier | None
    constant: float = 0.0  # training saw one outcome only: that outcome's rate

    @classmethod
    def fit(cls, sample: Sequence[Prefix]) -> PromiseMissModel:
        encoder = PrefixEncoder().fit(sample)
        labels = np.array([prefix.missed_promise for prefix in sample], dtype=int)
        if len(set(labels.tolist())) < 2:
            return cls(encoder, None, float(labels.mean()) if len(labels) else 0.0)
        classifier = _classifier()
        with single_thread():
            classifier.fit(_dense(encoder.encode(sample)), labels)
        return cls(encoder, classifier)

    def predict(self, sample: Sequence[Prefix]) -> np.ndarray:
        if not sample:
            return np.zeros(0)
        if self.classifier is None:
            return np.full(len(sample), self.constant)
        with single_thread():
            return np.asarray(self.classifier.predict_proba(_dense(self.encoder.encode(sample)))[:, 1])


@dataclass(frozen=True)
class LogEvaluation:
    """Held-out figures of the remaining-time and next-activity models next to their baselines."""

    train_cases: int
    test_cases: int
    train_prefixes: int
    test_prefixes: int
    mae_days: float
    baseline_mae_days: float
    accuracy: float
    baseline_accuracy: float
    train_seconds_remaining: float
    train_seconds_next: float

    def as_json(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


def mae_days(predicted: np.ndarray, sample: Sequence[Prefix]) -> float:
    """Mean absolute error in days of predicted remaining seconds."""
    actual = np.array([prefix.remaining_seconds for prefix in sample])
    return float(np.mean(np.abs(predicted - actual)) / DAY_SECONDS) if len(actual) else 0.0


def accuracy(predicted: Sequence[str], sample: Sequence[Prefix]) -> float:
    """Share of prefixes whose next activity was predicted right."""
    hits = sum(1 for guess, prefix in zip(predicted, sample, strict=True) if guess == prefix.next_activity)
    return hits / len(sample) if sample else 0.0


def log_evaluate(traces: Sequence[Trace], *, train_fraction: float = 0.8) -> LogEvaluation:
    """Train on the earliest cases, predict every prefix of the latest, and compare with the baselines."""
    train, test = split_by_start(traces, train_fraction=train_fraction)
    train_sample, test_sample = all_prefixes(train), all_prefixes(test)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        started = time.perf_counter()
        remaining = RemainingTimeModel.fit(train_sample)
        remaining_seconds = time.perf_counter() - started
        started = time.perf_counter()
        following = NextActivityModel.fit(train_sample)
        next_seconds = time.perf_counter() - started
    return LogEvaluation(
        train_cases=len(train),
        test_cases=len(test),
        train_prefixes=len(train_sample),
        test_prefixes=len(test_sample),
        mae_days=mae_days(remaining.predict(test_sample), test_sample),
        baseline_mae_days=mae_days(
            RemainingTimeBaseline().fit(train_sample).predict(test_sample), test_sample
        ),
        accuracy=accuracy(following.predict(test_sample), test_sample),
        baseline_accuracy=accuracy(
            NextActivityBaseline().fit(train_sample).predict(test_sample), test_sample
        ),
        train_seconds_remaining=remaining_seconds,
        train_seconds_next=next_seconds,
    )
