"""Narrative Radar: offline monitoring of near-duplicate narratives across news feeds."""

__version__ = "0.1.0"
