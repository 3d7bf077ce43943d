"""An Ozon Seller API imitation: product list, FBS posting list, rate limit per Client-Id, faults, state.

``make_server()`` returns a ``ThreadingHTTPServer``; ``/_sandbox/…`` is its control API.
Sources for the shapes: ``app.py`` and ``docs/ozon.md``.
"""

from tools.sandbox.ozon.server import make_server

__all__ = ["make_server"]
