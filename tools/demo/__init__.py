"""The demo: everything local, the demo processes run end to end (``make demo``)."""
