"""Models of the insights app, one module per side (each side owns its own file)."""

from unstuck.insights.brief_models import BriefDelivery, BriefSubscription
from unstuck.insights.models_ml import ItemPrediction, ModelKind, ModelSchedule, TrainedModel
from unstuck.insights.models_qa import (
    CoachingNote,
    QaCriterion,
    QaReason,
    QaReview,
    QaRubric,
    QaSample,
    QaSamplingDay,
    QaScore,
)
from unstuck.insights.models_recurring import CauseProposal, CauseProposalStatus
from unstuck.insights.models_warning import EarlyWarning, StallTally, WarningAttribute, WarningSchedule

__all__ = [
    "BriefDelivery",
    "BriefSubscription",
    "CauseProposal",
    "CauseProposalStatus",
    "CoachingNote",
    "EarlyWarning",
    "ItemPrediction",
    "ModelKind",
    "ModelSchedule",
    "QaCriterion",
    "QaReason",
    "QaReview",
    "QaRubric",
    "QaSample",
    "QaSamplingDay",
    "QaScore",
    "StallTally",
    "TrainedModel",
    "WarningAttribute",
    "WarningSchedule",
]
