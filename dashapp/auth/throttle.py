"""Failed-login throttling per account and per client IP, counted in Redis."""

from __future__ import annotations

from dataclasses import dataclass

import redis


@dataclass(frozen=True)
class LoginThrottle:
    client: redis.Redis
    namespace: str
    max_failures: int
    window_seconds: int

    def _keys(self, email: str, ip: str) -> tuple[str, str]:
        prefix = f"{self.namespace}login-failures:"
        return prefix + "email:" + email.strip().lower(), prefix + "ip:" + ip

    def retry_after(self, email: str, ip: str) -> int:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        wait = 0
        for key in self._keys(email, ip):
            count = int(self.client.get(key) or 0)
            if count >= self.max_failures:
                wait = max(wait, int(self.client.ttl(key)), 1)
        return wait

    def failed(self, email: str, ip: str) -> None:
        pipe = self.client.pipeline()
        for key in self._keys(email, ip):
            # The window starts at the first failure (works on Redis 6, which lacks EXPIRE ... NX).
            pipe.set(key, 0, ex=self.window_seconds, nx=True)
            pipe.incr(key)
        pipe.execute()

    def succeeded(self, email: str, ip: str) -> None:
        self.client.delete(self._keys(email, ip)[0])
