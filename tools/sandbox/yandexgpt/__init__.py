"""A YandexGPT (Foundation Models) imitation: completion, completionAsync, operations, faults, state.

``make_server()`` returns a ``ThreadingHTTPServer``; ``/_sandbox/…`` is its control API.
"""

from tools.sandbox.yandexgpt.server import make_server

__all__ = ["make_server"]
