"""The operators' dashboard at ``/dashboard``: one page, live over Server-Sent Events.

- ``static/``: the page (HTML, CSS, plain JS modules), served by the API itself, no CDN;
- ``routes``: the page, its assets, ``/v1/dashboard/snapshot`` and ``/v1/dashboard/stream``;
- ``hub``: builds one snapshot per tick for every open stream;
- ``snapshot``: assembles it from the sections (``runs``: engine; ``work``: ledger;
  ``queues``: broker; ``metrics_source``: the services' ``/metrics``).
"""
