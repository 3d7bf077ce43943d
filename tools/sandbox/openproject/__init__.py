"""An OpenProject API v3 imitation: work packages with their form, collections, activities,
HAL errors, a rate limit, faults, simulated people, and the ``/_sandbox/`` control API.

``make_server()`` returns a ``ThreadingHTTPServer``; the contract is the reference's §2.
"""

from tools.sandbox.openproject.server import DEFAULT_TOKEN, make_server

__all__ = ["DEFAULT_TOKEN", "make_server"]
