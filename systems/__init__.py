"""A home per external system: ``systems/<name>/`` with its client, actions, optional tracker,
settings model and descriptor; ``systems/registry.py`` lists the descriptors.

Services import this package and ``core``; a system imports only ``core`` (and itself).
"""
