"""The fact-check library: importing fact-checks (``importer``, ``formats``, ``items``,
``values``), the library itself and decisions on its matches (``library``), matching claims
against it (``match``, ``claims``), and the use cases both faces call (``updates``).
"""
