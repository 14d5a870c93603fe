"""A catch-up's reading of the log: a batch's wanted events as plain rows, each decoded to the
event eventsourcing's mapper would give (decision 0047).

The mapper's `to_domain_event` looks up the event's class, its id convertor and a new UUID for
every event, and the recorder makes an object for every row. A catch-up reads tens of
thousands of events of a few hundred aggregates and a few dozen classes: here each class and
each aggregate's id is looked up once, and a SQLite log is read as rows (`notification_rows`).
A recorder without that method is read through `select_notifications`.
tests/unit/test_log_reader.py compares every event with the mapper's, ciphered too.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, cast

from eventsourcing.persistence import MapperDeserialisationError, find_id_convertor
from eventsourcing.utils import resolve_topic

from ..application import LedgerApplication

Row = tuple[int, Any, int, str, bytes]
"""(notification id, originator id as stored, originator version, topic, state)."""
_IDS_KEPT = 65536  # aggregates' ids kept converted, a convertor (about 10 MiB at most)


class LogReader:
    """Reads and decodes one ledger's log for its projection; keeps what it looked up."""

    def __init__(self, ledger: LedgerApplication) -> None:
        self._recorder = ledger.recorder
        self._notification_rows = getattr(ledger.recorder, "notification_rows", None)
        mapper = ledger.mapper
        self._cipher, self._compressor = mapper.cipher, mapper.compressor
        self._decode = mapper.transcoder.decode
        # by topic: the class, its version, and its convertor's ids (stored id -> the event's)
        self._classes: dict[str, tuple[type, int, dict[Any, Any], Callable[[Any], Any]]] = {}
        self._ids: dict[Callable[[Any], Any], dict[Any, Any]] = {}  # by convertor

    def rows(self, start: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[Row]:
        """The events after `start`, up to `stop`, of these topics, at most `limit`."""
        if self._notification_rows is not None:
            return self._notification_rows(start, limit, stop, topics)  # type: ignore[no-any-return]
        return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in self._recorder.select_notifications(
                    start=start, limit=limit, stop=stop, topics=topics,
                    inclusive_of_start=False)]

    def event(self, row: Row) -> Any:
        """The domain event of `row`, as `Mapper.to_domain_event` makes it."""
        _, stored_id, version, topic, state = row
        found = self._classes.get(topic)
        if found is None:
            found = self._class(topic, stored_id)
        cls, class_version, ids, convertor = found
        try:
            if self._cipher:
                state = self._cipher.decrypt(state)
            if self._compressor:
                state = self._compressor.decompress(state)
            event_state: dict[str, Any] = self._decode(state)
        except Exception as error:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic '{topic}', "
                f"originator_id '{stored_id}' and originator_version {version}: {error}"
            ) from error
        originator_id = ids.get(stored_id)
        if originator_id is None:
            if len(ids) >= _IDS_KEPT:
                ids.clear()
            originator_id = ids[stored_id] = convertor(stored_id)
        event_state["originator_id"] = originator_id
        event_state["originator_version"] = version
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        event: Any = object.__new__(cls)
        object.__setattr__(event, "__dict__", event_state)
        return event

    def _class(self, topic: str, stored_id: Any
               ) -> tuple[type, int, dict[Any, Any], Callable[[Any], Any]]:
        cls = resolve_topic(topic)
        convertor = find_id_convertor(cls, cast("Hashable", type(stored_id)))
        found = self._classes[topic] = (cls, getattr(cls, "class_version", 1),
                                        self._ids.setdefault(convertor, {}), convertor)
        return found
