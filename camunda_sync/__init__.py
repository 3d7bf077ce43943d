"""camunda_sync package."""
