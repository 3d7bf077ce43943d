"""OpenProject: work packages for people, created by the creator and followed to completion.

``create_router(options)`` registers the work package topic (default
``openproject.work_package``); ``tracker.create_tracker(options)`` follows the work packages
until their status is closed. Options are in ``settings.py`` and ``docs/openproject.md``; the
base URL comes from ``options.base_url`` or ``OPENPROJECT_URL``, the API token from the
environment variable ``options.token_env`` (default ``OPENPROJECT_API_TOKEN``); limits, circuit
and timeout from the system's entry in ``systems.yaml`` through ``core.http``.
"""
