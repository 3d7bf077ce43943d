"""Local imitations of the external systems, for the demo and the tests (``python -m tools.sandbox``)."""
