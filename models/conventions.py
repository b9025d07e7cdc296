"""How raw usage events become daily metrics: one definition shared by ingestion, the roll-up and the demo data.

- `events`: every track/page/screen event of the account that day.
- `active_users`: distinct `user_external_id` (falling back to `contact_id`) with any event that day.
- `logins`: events whose name is in `LOGIN_EVENTS`.
- `sessions`: distinct (user, hour-of-day) pairs with any event — a cheap, set-based stand-in for sessions.
- `feature_usage`: for track events that are not logins, `properties.feature` if present, else the event name,
  counted per day: {"feature": uses}.
"""

from __future__ import annotations

LOGIN_EVENTS: tuple[str, ...] = ("Signed In", "Logged In", "login")
FEATURE_PROPERTY = "feature"
