"""One scorer ranks every intent for a message: exemplar meaning plus typed signals.

An intent's score is what its exemplars say plus what the typed signals say. The first part
is a ridge classifier over the MiniLM embedding, fitted on every spec's exemplars (closed
form, a few milliseconds, once per process): it learns which directions of meaning separate
the intents, which a nearest-exemplar lookup cannot. The second is each spec's signal weights
(:attr:`agent.planner.specs.IntentSpec.signals`) applied to the message's typed signals
(:class:`agent.planner.features.Features`). The ranking comes with its margin, so the planner
can ask which of two close intents was meant instead of guessing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from agent.planner.features import Features, read_features
from agent.planner.partners import PartnerMatch
from agent.planner.specs import (
    DOC_INPUTS,
    EXEMPLAR_PARTNER_NAME,
    NAMED_DOCUMENT,
    PARTNER_PLACEHOLDER,
    REFUSE,
    SPECS,
)

#: How much the exemplars' say counts against the typed signals' say.
MEANING_WEIGHT = 0.7
#: Ridge penalty: larger keeps the fitted weights smaller and the scores closer together.
RIDGE = 0.3
#: Below this best similarity to any exemplar, with no typed signal, a message is off topic.
OFF_TOPIC_BELOW = 0.25
#: Signals that say a message is about partnerships even when its words are unusual.
TOPICAL = ("criteria", "tier_figures", "partner", "document", "star", "needs", "decision",
           "filters", "tier_word", "score_word", "portfolio", "program")


@dataclass
class Ranking:
    """Intents for one message, best first, with their scores.

    Args:
        ranked: ``(intent, score)`` pairs, best first.
        features: The message's typed signals.
        best_similarity: The highest cosine similarity to any exemplar.
        signals: What the typed signals alone added to each intent.
    """

    ranked: list[tuple[str, float]]
    features: Features
    best_similarity: float
    signals: dict[str, float]

    @property
    def top(self) -> str:
        """The best intent."""
        return self.ranked[0][0]

    @property
    def margin(self) -> float:
        """How far the best intent is ahead of the second."""
        return self.ranked[0][1] - self.ranked[1][1] if len(self.ranked) > 1 else 1.0

    def score(self, intent: str) -> float:
        """The score of one intent."""
        return dict(self.ranked).get(intent, float("-inf"))

    def best_of(self, intents: list[str]) -> str:
        """The best-ranked intent among ``intents``."""
        return max(intents, key=self.score)


def _exemplar_texts() -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for spec in SPECS.values():
        for exemplar in spec.exemplars:
            texts.append(exemplar.replace(PARTNER_PLACEHOLDER, EXEMPLAR_PARTNER_NAME))
            labels.append(spec.name)
    return texts, labels


def signal_scores(features: Features) -> dict[str, float]:
    """What the typed signals add to each intent's score."""
    active = features.active()
    out: dict[str, float] = {}
    for name, spec in SPECS.items():
        total = sum(weight * active.get(key, 0.0) for key, weight in spec.signals.items())
        if features.doc_request and features.document_tool == name:
            total += NAMED_DOCUMENT
        if features.doc_inputs and features.inputs_tool == name:
            total += DOC_INPUTS
        out[name] = total
    return out


class IntentScorer:
    """The fitted scorer for one embedder.

    Args:
        embedder: Any object with ``embed(list[str]) -> array`` of unit rows.
    """

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        texts, labels = _exemplar_texts()
        self.intents = list(SPECS)
        self.exemplars = np.asarray(embedder.embed(texts), dtype=np.float32)
        rows = np.hstack([self.exemplars, np.ones((len(texts), 1), dtype=np.float32)])
        targets = np.zeros((len(labels), len(self.intents)), dtype=np.float32)
        for i, label in enumerate(labels):
            targets[i, self.intents.index(label)] = 1.0
        gram = rows.T @ rows + RIDGE * np.eye(rows.shape[1], dtype=np.float32)
        self.weights = np.linalg.solve(gram, rows.T @ targets)

    def meaning_scores(self, vector: np.ndarray) -> dict[str, float]:
        """What the exemplars say: the ridge classifier's score per intent."""
        row = np.append(np.asarray(vector, dtype=np.float32).reshape(-1), 1.0)
        return dict(zip(self.intents, (row @ self.weights).tolist(), strict=True))

    def rank(self, text: str, partner: PartnerMatch, vector: np.ndarray | None = None
             ) -> Ranking:
        """Every intent for ``text``, best first."""
        if vector is None:
            vector = np.asarray(self.embedder.embed([text])[0], dtype=np.float32)
        features = read_features(text, partner)
        meaning = self.meaning_scores(vector)
        signals = signal_scores(features)
        scores = {name: MEANING_WEIGHT * meaning[name] + signals[name] for name in self.intents}
        best_similarity = float(np.max(self.exemplars @ np.asarray(vector).reshape(-1)))
        ranked = sorted(scores.items(), key=lambda p: -p[1])
        topical = any(getattr(features, name) for name in TOPICAL)
        if best_similarity < OFF_TOPIC_BELOW and not topical:
            ranked = [(REFUSE, ranked[0][1] + 1.0), *[p for p in ranked if p[0] != REFUSE]]
        return Ranking(ranked, features, best_similarity, signals)


_SCORERS: dict[str, IntentScorer] = {}


def intent_scorer(embedder: Any) -> IntentScorer:
    """The scorer for ``embedder``, fitted once per model and process.

    The fit depends only on the model (its ``name``), so an embedder made again for the
    same model (each LLM turn's tool selection makes one) reuses it, bound to the new one.
    """
    key = str(getattr(embedder, "name", id(embedder)))
    fitted = _SCORERS.get(key)
    if fitted is None:
        fitted = _SCORERS[key] = IntentScorer(embedder)
    if fitted.embedder is embedder:
        return fitted
    bound = copy.copy(fitted)
    bound.embedder = embedder
    return bound
