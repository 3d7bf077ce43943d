"""Unit-test isolation for process-wide state."""

from __future__ import annotations

import pytest

from core.http.client import forget_shared


@pytest.fixture(autouse=True)
def fresh_http_limits_and_circuits() -> None:
    """Each test starts with closed circuits and empty buckets (core.http shares them per process)."""
    forget_shared()
