"""Recording time: the clock's, or under `use_command_time` the command's own `at`, which may not
go back before the last recorded event nor run ahead of the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from .. import commands as c
from ..errors import TimeInFutureError, TimeWentBackwardsError
from ..persistence import decoded_state
from .base import LedgerBase

# How far after the clock a command's `at` may be under `use_command_time` (clocks differ a
# little between machines); beyond it the line fails `time_in_future`, unless allowed.
FUTURE_TOLERANCE = timedelta(minutes=5)


class RecordingTime(LedgerBase):
    @contextmanager
    def _future_times(self, allowed: bool) -> Iterator[None]:
        """Whether `_recording_time` accepts an `at` after the clock, for this thread's call."""
        before = getattr(self._local, "allow_future_times", False)
        self._local.allow_future_times = allowed or before
        try:
            yield
        finally:
            self._local.allow_future_times = before

    def _recording_time(self, command: c.Command, use_command_time: bool) -> datetime:
        if not use_command_time or command.at is None:
            return self.clock()
        group = self._group()
        last = group.last_at if group is not None and group.last_at else self.last_recorded_time()
        if last is not None and command.at < last:
            raise TimeWentBackwardsError(
                f"at {command.at.isoformat()} is earlier than the last recorded time "
                f"{last.isoformat()}", field="at")
        if not getattr(self._local, "allow_future_times", False):
            now = self.clock()
            if command.at > now + FUTURE_TOLERANCE:
                raise TimeInFutureError(
                    f"at {command.at.isoformat()} is more than 5 minutes after the clock "
                    f"({now.isoformat()}); a simulation passes --allow-future-times",
                    field="at")
        return command.at

    def last_recorded_time(self) -> datetime | None:
        last_id = self.recorder.max_notification_id()
        if not last_id:
            return None
        notification = self.recorder.select_notifications(start=last_id, limit=1)[0]
        timestamp: datetime = decoded_state(self.mapper, notification)["timestamp"]
        return timestamp
