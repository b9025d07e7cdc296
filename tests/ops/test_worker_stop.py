"""A worker stops within seconds: its command channel does not hold the shutdown for RQ's 60 s poll."""

import time

from dashapp.settings import Settings
from jobs.queues import all_queues, redis_connection
from jobs.workers import SimpleWorker, Worker


def test_unsubscribing_from_the_command_channel_returns_promptly(settings: Settings) -> None:
    for worker_class in (Worker, SimpleWorker):
        worker = worker_class(all_queues(settings), connection=redis_connection(settings.redis_url or ""))
        worker.subscribe()
        time.sleep(0.5)  # the listening thread is reading the channel
        started = time.monotonic()
        # What RQ's unsubscribe does, with the pause a loaded machine puts between its two steps: the
        # thread reads the reply and polls again, now for a subscription that will not come.
        worker.pubsub.unsubscribe()
        time.sleep(0.5)
        worker.pubsub_thread.stop()
        worker.pubsub.close()
        assert not worker.pubsub_thread.is_alive()
        # RQ's own poll made this wait up to 60 s; a correctness bound, not a speed target.
        assert time.monotonic() - started < 30
