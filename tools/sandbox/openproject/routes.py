"""Which handler answers a path under ``/api/v3``, and the endpoint name it counts under.

The endpoint names are what faults aim at and what ``/_sandbox/state`` counts requests by.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tools.sandbox.openproject import resources, workpackages
from tools.sandbox.openproject.context import Call
from tools.sandbox.openproject.hal import API, Reply

Handler = Callable[[Call], Reply]
PROJECT = r"/projects/(?P<project>[^/]+)"
WP = r"/work_packages/(?P<wp>\d+)"

TABLE: list[tuple[str, str, str, Handler]] = [
    ("GET", r"/?", "root", resources.root),
    ("GET", r"/statuses", "statuses", resources.statuses),
    ("GET", r"/statuses/(?P<id>[^/]+)", "status", resources.status),
    ("GET", r"/types", "types", resources.types),
    ("GET", r"/types/(?P<id>[^/]+)", "type", resources.a_type),
    ("GET", r"/priorities", "priorities", resources.priorities),
    ("GET", r"/priorities/(?P<id>[^/]+)", "priority", resources.priority),
    ("GET", r"/users/(?P<id>[^/]+)", "user", resources.user),
    ("GET", r"/projects", "projects", resources.projects),
    ("GET", PROJECT, "project", resources.project),
    ("GET", PROJECT + "/types", "types", resources.types),
    ("GET", PROJECT + "/available_assignees", "assignees", resources.assignees),
    ("POST", PROJECT + "/work_packages/form", "form", workpackages.form),
    ("POST", r"/work_packages/form", "form", workpackages.form),
    ("POST", PROJECT + "/work_packages", "create", workpackages.create),
    ("POST", r"/work_packages", "create", workpackages.create),
    ("GET", PROJECT + "/work_packages", "list", workpackages.listing),
    ("GET", r"/work_packages", "list", workpackages.listing),
    ("GET", r"/work_packages/schemas/(?P<project>\d+)-(?P<type>\d+)", "schema", resources.schema),
    ("GET", WP, "get", workpackages.get),
    ("PATCH", WP, "patch", workpackages.patch),
    ("DELETE", WP, "delete", workpackages.delete),
    ("GET", WP + "/activities", "activities", workpackages.activities),
    ("POST", WP + "/activities", "comment", workpackages.comment),
]
COMPILED = [(verb, re.compile(f"^{API}{pattern}$"), name, handler) for verb, pattern, name, handler in TABLE]


@dataclass
class Route:
    endpoint: str
    handler: Handler
    args: dict[str, str]

    @property
    def work_package(self) -> int | None:
        return int(self.args["wp"]) if "wp" in self.args else None


def resolve(verb: str, path: str) -> Route | None:
    for route_verb, pattern, name, handler in COMPILED:
        match = pattern.match(path)
        if match and route_verb == verb:
            return Route(name, handler, match.groupdict())
    return None
