"""Task tests reuse the API fixtures (a client over the test transaction, tokens per role)."""

from tests.api.conftest import api, generous_rate_limits, token  # noqa: F401
