"""Failed-login throttling per account and per client IP, counted atomically in Redis.

Every attempt first *reserves* one unit of both budgets in a single Lua script (check and count in one
step), so parallel guesses cannot slip past the limit between a check and a count. A successful login hands
its units back (and clears the account's count). The per-address budget is separate and larger than the
per-account one: a few mistyped passwords in an office behind one address do not lock out everyone there.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

# KEYS: account counter, address counter. ARGV: account limit, address limit, window seconds.
# Returns 0 when the attempt is reserved, else the seconds until a full budget has a slot again.
_RESERVE = """
local limits = {tonumber(ARGV[1]), tonumber(ARGV[2])}
local wait = 0
for i, key in ipairs(KEYS) do
    if tonumber(redis.call('GET', key) or '0') >= limits[i] then
        wait = math.max(wait, redis.call('TTL', key), 1)
    end
end
if wait > 0 then
    return wait
end
for _, key in ipairs(KEYS) do
    if redis.call('INCR', key) == 1 then
        redis.call('EXPIRE', key, tonumber(ARGV[3]))
    end
end
return 0
"""

# KEYS: account counter, address counter. Clears the account's count, returns the address's unit.
_REFUND = """
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
    redis.call('DECR', KEYS[2])
end
return 0
"""


@dataclass(frozen=True)
class LoginThrottle:
    client: redis.Redis
    namespace: str
    max_failures: int
    ip_max_failures: int
    window_seconds: int

    def _keys(self, email: str, ip: str) -> list[str]:
        prefix = f"{self.namespace}login-failures:"
        return [prefix + "email:" + email.strip().lower(), prefix + "ip:" + ip]

    def reserve(self, email: str, ip: str) -> int:
        """Count this attempt if both budgets allow it: 0, else the seconds to wait (nothing counted)."""
        limits = (self.max_failures, self.ip_max_failures, self.window_seconds)
        return int(self.client.eval(_RESERVE, 2, *self._keys(email, ip), *limits))

    def succeeded(self, email: str, ip: str) -> None:
        self.client.eval(_REFUND, 2, *self._keys(email, ip))
