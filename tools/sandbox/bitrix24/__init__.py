"""A Bitrix24 incoming-webhook REST imitation: tasks, CRM leads, users, batch, limits, faults.

``make_server()`` returns a ``ThreadingHTTPServer``; ``/_sandbox/…`` is its control API.
"""

from tools.sandbox.bitrix24.server import make_server

__all__ = ["make_server"]
