"""Third-party geocoding of place names: off unless an operator sets SQUADLINE_GEOCODER.

When on, it sends a real user agent, keeps to at most one request a second, and caches
answers, as Nominatim's usage policy asks. The alert's words leave the machine only then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

from bot.config import Settings
from bot.geo import Point, validate

log = logging.getLogger(__name__)

CACHE_SIZE = 512
MIN_INTERVAL_S = 1.0


class Geocoder:
    def __init__(self, settings: Settings) -> None:
        self.enabled = bool(settings.geocoder)
        self._service: Any = None
        if self.enabled:
            from geopy.geocoders import get_geocoder_for_service

            cls = get_geocoder_for_service(str(settings.geocoder))
            kwargs: dict[str, Any] = {"user_agent": settings.geocoder_user_agent, "timeout": 5}
            if settings.geocoder_domain:
                kwargs["domain"] = settings.geocoder_domain
                kwargs["scheme"] = settings.geocoder_scheme
            self._service = cls(**kwargs)
        self._lock = asyncio.Lock()
        self._last = 0.0
        self._cache: OrderedDict[str, Point | None] = OrderedDict()
        self.requests = 0

    async def lookup(self, query: str) -> Point | None:
        """The place's point, or ``None``; never raises (a failed lookup is just no answer)."""
        key = " ".join(query.casefold().split())
        if not self.enabled or not key:
            return None
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        async with self._lock:
            if key in self._cache:
                return self._cache[key]
            wait = self._last + MIN_INTERVAL_S - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last = time.monotonic()
            self.requests += 1
            try:
                found = await asyncio.to_thread(self._service.geocode, query, exactly_one=True)
                point = validate(found.latitude, found.longitude) if found else None
            except Exception as exc:  # any failure of a third party is just no answer
                log.warning("geocoding failed: %s", type(exc).__name__)
                point = None
            self._last = time.monotonic()
        self._cache[key] = point
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return point
