"""``python -m camunda_sync``."""

from camunda_sync.cli import main

main()
