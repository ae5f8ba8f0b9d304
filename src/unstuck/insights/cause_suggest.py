"""Suggesting a case's cause category from its Chinese free text, with honestly measured precision.

TF-IDF over character 1–3-grams (Chinese needs no word segmentation for this, and nothing is
downloaded) feeding a logistic regression, which gives a probability per category.

The precision shown beside a suggestion is cross-validated, and the folds are grouped by text: the
same sentence written on many cases (templates, copied notes) never sits in both the training and
the test part of a fold, or the figure would reward memorising sentences rather than reading them.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

# scikit-learn is imported where a model is fitted, not here: the web server and every command load
# this module through the URLs and the case panels, and importing scikit-learn costs about a second.

#: Fewer labelled cases than this and no suggestion is made (the screen says so instead).
MIN_LABELLED = 20
#: A category needs this many labelled cases to be learnt at all.
MIN_PER_CATEGORY = 3
FOLDS = 5
SEED = 20_240_601

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse whitespace: what groups identical notes together."""
    return _SPACE.sub(" ", text).strip()


def _pipeline() -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegression(max_iter=2_000, C=10.0, random_state=SEED),
    )


class TooFewLabelled(Exception):
    """Not enough labelled cases (overall, or in enough categories) to learn or measure anything."""

    def __init__(self, labelled: int, categories: int) -> None:
        self.labelled = labelled
        self.categories = categories
        super().__init__(f"{labelled} labelled cases in {categories} usable categories")


@dataclass(frozen=True)
class Suggestion:
    """One suggested category with the model's probability for it."""

    category: str
    probability: float


@dataclass
class CauseModel:
    """A fitted TF-IDF + logistic-regression pipeline over the categories it was trained on."""

    pipeline: Pipeline

    @property
    def categories(self) -> list[str]:
        return [str(category) for category in self.pipeline.classes_]

    def suggest(self, text: str, *, top: int = 3) -> list[Suggestion]:
        probabilities = self.pipeline.predict_proba([normalise(text)])[0]
        order = np.argsort(-probabilities, kind="stable")[:top]
        return [Suggestion(self.categories[index], float(probabilities[index])) for index in order]


def _usable(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
    counts = Counter(labels)
    kept = [(normalise(text), label) for text, label in zip(texts, labels, strict=True) if normalise(text)]
    kept = [(text, label) for text, label in kept if counts[label] >= MIN_PER_CATEGORY]
    if len(kept) < MIN_LABELLED or len({label for _text, label in kept}) < 2:
        raise TooFewLabelled(len(kept), len({label for _text, label in kept}))
    return [text for text, _label in kept], [label for _text, label in kept]


def cause_fit(texts: Sequence[str], labels: Sequence[str]) -> CauseModel:
    """Fit on every usable labelled case; raises TooFewLabelled."""
    usable_texts, usable_labels = _usable(texts, labels)
    pipeline = _pipeline()
    pipeline.fit(usable_texts, usable_labels)
    return CauseModel(pipeline)


def cause_evaluate(texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Cross-validated precision@1 and per-category precision, folds grouped by text.

    precision@1: the share of held-out cases whose top suggestion was right. Per category: of the
    held-out cases where the category was suggested first, the share that really had it (None if it
    was never suggested). `chance` is the share of the most frequent category — what always
    suggesting it would score. Raises TooFewLabelled.
    """
    from sklearn.model_selection import GroupKFold

    usable_texts, usable_labels = _usable(texts, labels)
    groups = {text: index for index, text in enumerate(dict.fromkeys(usable_texts))}
    group_ids = np.array([groups[text] for text in usable_texts])
    folds = min(FOLDS, len(groups))
    counts = Counter(usable_labels)
    figures: dict[str, Any] = {
        "labelled": len(usable_texts),
        "distinct_texts": len(groups),
        "categories": dict(sorted(counts.items())),
        "chance": max(counts.values()) / len(usable_labels),
        "folds": folds,
    }
    if folds < 2:
        raise TooFewLabelled(len(usable_texts), len(counts))
    labels_array = np.array(usable_labels)
    texts_array = np.array(usable_texts, dtype=object)
    predicted = np.empty(len(usable_labels), dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fold may miss a rare category; that is what we measure
        for train, test in GroupKFold(n_splits=folds).split(texts_array, labels_array, group_ids):
            if len(set(labels_array[train])) < 2:
                predicted[test] = labels_array[train][0]
                continue
            pipeline = _pipeline()
            pipeline.fit(list(texts_array[train]), list(labels_array[train]))
            predicted[test] = pipeline.predict(list(texts_array[test]))
    hits = predicted == labels_array
    suggested: dict[str, list[bool]] = defaultdict(list)
    for guess, hit in zip(predicted, hits, strict=True):
        suggested[str(guess)].append(bool(hit))
    figures["precision_at_1"] = float(hits.mean())
    figures["per_category"] = {
        category: {
            "precision": (sum(suggested[category]) / len(suggested[category]))
            if suggested[category]
            else None,
            "suggested": len(suggested[category]),
            "support": counts[category],
        }
        for category in sorted(counts)
    }
    return figures
