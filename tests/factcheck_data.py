"""A small fact-check library, a claim that repeats its first fact-check, and the thresholds
the hashing fake model needs: shared by the engine, command-line and window tests."""

from __future__ import annotations

from app.engine import clustering
from app.engine.factchecks import library as factchecks
from app.engine.clustering import Thresholds
from app.engine.factchecks.library import MatchThresholds

FACTCHECKS = [
    {"id": "fc-1", "claim": "The Corvax flu vaccine contains TraceLume microchips that track people",
     "rating": "False", "publisher": "ClaimCheck Desk", "url": "https://claimcheck.example/corvax",
     "date": "2026-11-12", "language": "en"},
    {"id": "fc-2", "claim": "Forty thousand dead voters cast ballots in the Valdoria run-off election",
     "rating": "Misleading", "publisher": "Verifica Sur", "url": "https://verifica.example/dead-voters",
     "date": "2026-11-13", "language": "en"},
    {"id": "fc-3", "claim": "Drinking hot water every fifteen minutes kills the flu virus",
     "rating": "False", "publisher": "ClaimCheck Desk", "url": "https://claimcheck.example/hot-water",
     "date": "2026-11-01", "language": "en"},
    {"id": "fc-4", "claim": "Petrol prices rose 50% since January in Port Carrow",
     "rating": "False", "publisher": "ClaimCheck Desk", "url": "https://claimcheck.example/petrol",
     "date": "2026-11-02", "language": "en"},
]
VACCINE = "Leaked files show the Corvax flu vaccine contains TraceLume microchips that track people"


def use_fake_thresholds(monkeypatch) -> None:
    """Thresholds for the ``fake-hashing`` model (tests.fakes.HashingEmbedder), whose scale is its own."""
    monkeypatch.setitem(clustering.MODEL_THRESHOLDS, "fake-hashing",
                        Thresholds(same_language=0.6, cross_language=0.8, centroid=0.8))
    monkeypatch.setitem(factchecks.MODEL_THRESHOLDS, "fake-hashing",
                        MatchThresholds(flag=0.6, suggest=0.4, lexical_weight=1.0, cross_language=0.8))
