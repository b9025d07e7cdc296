"""Background work on RQ: `queues` is the only place that enqueues; one module per job family."""
