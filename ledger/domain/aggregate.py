"""What every aggregate of the ledger shares: its topics (stored data, never renamed).

An aggregate ``Name`` is stored as ``skate-ledger:Name``; the base classes of its events,
``Name.Event`` and ``Name.Created``, are registered as ``skate-ledger:Name.Event`` and
``skate-ledger:Name.Created``. Each concrete event still states its own ``TOPIC``, and derives from
``Aggregate.Created`` or ``Aggregate.Event`` as the eventsourcing library has it: the library makes
it a subclass of the aggregate's ``Event`` too.

``Race`` states its topics itself: its ``Event`` carries behaviour (``apply``, ``record_on``) that
every race event inherits, so it is written in the class body, and ``Created`` with it.
"""

from __future__ import annotations

from typing import Any, Final

from eventsourcing.domain import Aggregate

#: The prefix of every topic the ledger stores (``ledger.store.stores.OUR_TOPICS`` too).
TOPIC_PREFIX: Final = "skate-ledger:"


class LedgerAggregate(Aggregate):
    """An aggregate whose topic, and its base events' topics, follow from its class name."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # before the library's hook, which registers the topics and would otherwise define the
        # Event and Created classes without the explicit topics an aggregate with a TOPIC needs
        name, module = cls.__qualname__, cls.__module__
        base = type("Event", (Aggregate.Event,), {
            "TOPIC": f"{TOPIC_PREFIX}{name}.Event", "__module__": module,
            "__qualname__": f"{name}.Event"})
        created = type("Created", (base, Aggregate.Created), {
            "TOPIC": f"{TOPIC_PREFIX}{name}.Created", "__module__": module,
            "__qualname__": f"{name}.Created"})
        for attribute, value in (("TOPIC", f"{TOPIC_PREFIX}{name}"), ("Event", base),
                                 ("Created", created)):
            setattr(cls, attribute, value)
        super().__init_subclass__(**kwargs)
