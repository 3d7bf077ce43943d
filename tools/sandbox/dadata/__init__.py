"""A DaData imitation: the cleaner (phone, email, name, address) and findById/party, with the
real status codes, keep-alive connection limits, switchable faults and a control API.

``make_server()`` returns a ``ThreadingHTTPServer``; ``/_sandbox/…`` is its control API.
"""

from tools.sandbox.dadata.server import make_server

__all__ = ["make_server"]
