"""The engine of Narrative Radar: everything that is not a screen. No Qt here, ever.

The window (``app.ui``) and the command line (``app.cli``) are two faces over these
names; the modules behind them hold the details.
"""

from .errors import AppError, Cancelled, DatabaseDamagedError, FeedError, FeedParseError, ImportFileError, ModelError, StoreError
from .pipeline import Pipeline, PipelineReport
from .settings import Settings, load_settings, save_settings
from .store import Store

__all__ = [
    "AppError", "Cancelled", "DatabaseDamagedError", "FeedError", "FeedParseError", "ImportFileError", "ModelError",
    "Pipeline", "PipelineReport", "Settings", "Store", "StoreError", "load_settings", "save_settings",
]
