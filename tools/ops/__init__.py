"""Operations commands: ``python -m tools <command>`` (health, queues, where, errors …)."""
