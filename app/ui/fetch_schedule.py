"""When feeds are read in the background: a timer at the interval set in Settings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QObject, QTimer, Signal

from app.engine.domain import Feed

# Give the window time to draw before the first fetch after start.
FIRST_FETCH_DELAY = timedelta(seconds=20)
# QTimer counts in int milliseconds; wake at least this often and re-check.
MAX_WAIT = timedelta(hours=6)


def last_fetch(feeds: list[Feed]) -> datetime | None:
    """When any enabled feed was last tried."""
    times = [f.last_fetch_at for f in feeds if f.enabled and f.last_fetch_at]
    if not times:
        return None
    return datetime.strptime(max(times), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


class FetchSchedule(QObject):
    """Emits ``due`` when the next scheduled fetch should run; None interval = only on demand."""

    due = Signal()
    changed = Signal(object)  # the next fetch as an aware local datetime, or None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.next_at: datetime | None = None

    def plan(self, interval_minutes: int, feeds: list[Feed], *, now: datetime | None = None) -> None:
        """Set the next fetch: one interval after the last one, but not before the window has settled."""
        now = now or datetime.now(timezone.utc)
        if interval_minutes <= 0 or not any(f.enabled for f in feeds):
            self.next_at = None
            self._timer.stop()
            self.changed.emit(None)
            return
        last = last_fetch(feeds)
        due = last + timedelta(minutes=interval_minutes) if last else now
        self.next_at = due if due > now + FIRST_FETCH_DELAY else now + FIRST_FETCH_DELAY
        self._arm(now)
        self.changed.emit(self.next_at.astimezone())

    def after_fetch(self, interval_minutes: int, feeds: list[Feed]) -> None:
        """A fetch just finished (scheduled or not): the next one is a full interval away."""
        now = datetime.now(timezone.utc)
        if interval_minutes <= 0 or not any(f.enabled for f in feeds):
            self.plan(interval_minutes, feeds, now=now)
            return
        self.next_at = now + timedelta(minutes=interval_minutes)
        self._arm(now)
        self.changed.emit(self.next_at.astimezone())

    def _arm(self, now: datetime) -> None:
        wait = min(self.next_at - now, MAX_WAIT)
        self._timer.start(max(0, int(wait.total_seconds() * 1000)))

    def _on_timer_timeout(self) -> None:
        if self.next_at is not None and datetime.now(timezone.utc) >= self.next_at - timedelta(seconds=1):
            self.due.emit()
        elif self.next_at is not None:
            self._arm(datetime.now(timezone.utc))
