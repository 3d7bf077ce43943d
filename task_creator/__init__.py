"""task_creator package."""
