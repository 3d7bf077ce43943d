"""A Wildberries imitation (advert + statistics APIs): seeded campaigns, stats, orders, sales;
per-account token buckets with a time scale; faults; a state that logs every call.

``make_server()`` returns a ``ThreadingHTTPServer``; ``/_sandbox/…`` is its control API.
"""

from tools.sandbox.wildberries.server import make_server

__all__ = ["make_server"]
