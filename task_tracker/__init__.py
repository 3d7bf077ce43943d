"""task_tracker package."""
