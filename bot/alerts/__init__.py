"""The alert lifecycle: raise, offer, accept or decline, escalate, progress, close, cancel.

Each transition is one transaction. It re-reads the alert, moves it with a guarded
UPDATE, and writes what people must be told to the outbox before it commits. An
illegal move comes back as a refusal; nothing here raises into a handler.

One module per phase (raising, offers, ownership, closing, escalation, holding, cards),
each adding its use cases to the class below it; ``facade.Alerts`` is the one handlers use.
"""

from bot.alerts.base import PIN_LINK_PREFIX
from bot.alerts.facade import Alerts

__all__ = ["PIN_LINK_PREFIX", "Alerts"]
