"""Notifications: email, Slack, SMS and outbound webhooks, through one guarded HTTP client.

Public entry points (see their docstrings):
- `dashapp.notify.dispatch.notify(session, recipients, notification, now=...)`: record what each user gets,
  on which channels and when (preferences, quiet hours, daily caps with overflow to the digest).
- `dashapp.notify.webhooks.emit_webhook_event(session, event_type, payload, now=...)`: queue an event for
  every subscribed webhook endpoint.
Both only write rows in the caller's transaction; after commit, hand the returned ids to
`jobs.notify.deliver_soon` (the periodic sweep also sends whatever is due).
"""
