"""A Redis cache that is only a cache: with Redis down, reads miss and writes are dropped, the page still serves.

Used for the imagery tile cache (settings.CACHES["imagery"]): a rendered tile is remade from its COG when Redis
cannot give it. Redis is asked with short timeouts, so a Redis that hangs costs a request 0.5 s, not a minute.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
_DOWN = (RedisError, OSError)


class FailOpenRedisCache(RedisCache):
    def __init__(self, server: str, params: dict) -> None:
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, params)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _DOWN:
            log.warning("cache %s unavailable (Redis): a miss", key)
            return default

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except _DOWN:
            log.warning("cache %s unavailable (Redis): not kept", key)
