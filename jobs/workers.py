"""The RQ worker classes the app and its tests run.

RQ listens for worker commands (stop, kill a job) on a Redis pub/sub channel from a thread that polls every
60 s. On shutdown RQ unsubscribes first and then stops that thread; a thread that polls after the unsubscribe
waits for a subscription for its whole poll before it notices, so a worker took up to a minute to exit (a
burst worker too). Polling each second keeps commands just as prompt and makes a stop take a second.
"""

from __future__ import annotations

from rq import SimpleWorker as _SimpleWorker
from rq import Worker as _Worker

COMMAND_POLL_SECONDS = 1.0


class _QuickStop:
    def subscribe(self) -> None:
        self.pubsub = self.connection.pubsub()  # type: ignore[attr-defined]
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})  # type: ignore[attr-defined]
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMAND_POLL_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,  # type: ignore[attr-defined]
        )


class Worker(_QuickStop, _Worker):
    """A forking worker (`healthdash worker`)."""


class SimpleWorker(_QuickStop, _SimpleWorker):
    """A worker that runs jobs in its own process (tests draining a queue)."""
