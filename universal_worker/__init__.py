"""universal_worker package."""
