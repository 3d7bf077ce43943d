"""An SMS Aero API v2 imitation: three gates over one account, send/status/list, faults.

``make_gates()`` returns the gate servers; ``/_sandbox/…`` on any gate is the control API.
"""

from tools.sandbox.smsaero.server import Gates, make_gates

__all__ = ["Gates", "make_gates"]
