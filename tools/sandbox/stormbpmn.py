"""A local imitation of StormBPMN, serving the ``*.bpmn`` files of a folder as diagrams.

Public API (header ``X-Api-Key``): ``GET /public-api/v1/get-diagram-list?page=N`` (20 per
page) and ``GET /public-api/v1/get-diagram-by-id?diagramId=ID``. Internal API (header
``Authorization: Bearer <the same key>``): ``/api/v1/diagram/filter``, ``/api/v1/diagram/{id}``
and ``/api/v1/assignee/assigneeedges/{id}`` (from ``<name>.assignees.json`` beside the file).

Like the real service: at most ``limit`` requests per ``window_s`` (a 429 with
``X-Rate-Limit-Retry-After-Seconds`` beyond that), ``X-Rate-Limit-Remaining`` on every
answer, Spring Boot error bodies, 401 for a wrong key. A diagram is a file: its id comes
from its path, its folder from its sub-folder, ``updatedOn`` from its mtime, and
``versionNumber`` goes up whenever its content changes, so tests just edit the file.
``server.stats`` tells how many requests came and whether the limit was ever exceeded.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 20
ID_NAMESPACE = uuid.UUID("5f0e4a52-6a8e-4d7c-9a51-5a2d7c1b9e10")


@dataclass
class SandboxStats:
    requests: int = 0
    limited: int = 0  # requests answered 429

    @property
    def limit_ever_exceeded(self) -> bool:
        return self.limited > 0


@dataclass
class _Window:
    """Sliding window of accepted request times; a 429 uses no slot (like bucket4j)."""

    limit: int
    window_s: float
    times: deque[float] = field(default_factory=deque)

    def admit(self, now: float) -> tuple[bool, int, float]:
        """(admitted, remaining slots, seconds until a slot frees)."""
        while self.times and self.times[0] <= now - self.window_s:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return False, 0, self.times[0] + self.window_s - now
        self.times.append(now)
        return True, self.limit - len(self.times), 0.0


class DiagramFolder:
    """The folder's ``*.bpmn`` files as StormBPMN diagrams."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._versions: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def all(self) -> list[dict[str, Any]]:
        return [self._describe(path) for path in sorted(self.root.rglob("*.bpmn"))]

    def find(self, diagram_id: str) -> tuple[dict[str, Any], Path] | None:
        for path in sorted(self.root.rglob("*.bpmn")):
            if self._id(path) == diagram_id:
                return self._describe(path), path
        return None

    def _id(self, path: Path) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, path.relative_to(self.root).as_posix()))

    def _describe(self, path: Path) -> dict[str, Any]:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with self._lock:
            known, version = self._versions.get(str(path), (digest, 1))
            if known != digest:
                version += 1
            self._versions[str(path)] = (digest, version)
        relative = path.relative_to(self.root)
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        return {
            "id": self._id(path),
            "name": path.stem,
            "status": "NEW",
            "versionNumber": version,
            "type": "BPMN",
            "public": False,
            "teamFolderName": relative.parent.as_posix() if relative.parent.parts else "Root folder",
            "authorUsername": "sandbox",
            "createdOn": stamp,
            "updatedOn": stamp,
            "description": "",
            "tags": [],
        }


class StormSandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], folder: DiagramFolder, api_key: str, window: _Window
    ) -> None:
        super().__init__(address, _Handler)
        self.folder = folder
        self.api_key = api_key
        self.window = window
        self.stats = SandboxStats()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: StormSandboxServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep test output quiet

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        with self.server.lock:
            self.server.stats.requests += 1
            admitted, remaining, wait = self.server.window.admit(time.monotonic())
            if not admitted:
                self.server.stats.limited += 1
        headers = {"X-Rate-Limit-Remaining": str(remaining)}
        if not admitted:
            headers["X-Rate-Limit-Retry-After-Seconds"] = str(max(1, math.ceil(wait)))
            self._error(429, "Too Many Requests", "You have exhausted your API Request Quota", headers)
        elif not self._authorised(parts.path):
            self._error(
                401, "Unauthorized", "Full authentication is required to access this resource", headers
            )
        else:
            self._route(parts.path, query, headers)

    def _authorised(self, path: str) -> bool:
        if path.startswith("/api/v1/"):
            return self.headers.get("Authorization") == f"Bearer {self.server.api_key}"
        return self.headers.get("X-Api-Key") == self.server.api_key

    def _route(self, path: str, query: dict[str, str], headers: dict[str, str]) -> None:
        folder = self.server.folder
        if path == "/public-api/v1/get-diagram-list":
            self._list_public(query, headers)
        elif path == "/public-api/v1/get-diagram-by-id":
            self._diagram(query.get("diagramId", ""), headers, wrap=False)
        elif path == "/api/v1/diagram/filter":
            page, size = int(query.get("page", "0")), int(query.get("size", str(PAGE_SIZE)))
            items = folder.all()
            body = {"content": items[page * size : (page + 1) * size], "totalElements": len(items)}
            self._json(
                200,
                {**body, "totalPages": math.ceil(len(items) / size), "size": size, "number": page},
                headers,
            )
        elif path.startswith("/api/v1/diagram/"):
            self._diagram(path.rsplit("/", 1)[-1], headers, wrap=True)
        elif path.startswith("/api/v1/assignee/assigneeedges/"):
            self._assignees(path.rsplit("/", 1)[-1], headers)
        else:
            self._error(404, "Not Found", "No static resource " + path.lstrip("/"), headers)

    def _list_public(self, query: dict[str, str], headers: dict[str, str]) -> None:
        if not query.get("page", "").isdigit():
            self._error(400, "Bad Request", "Required parameter 'page' is not present.", headers)
            return
        page, items = int(query["page"]), self.server.folder.all()
        chunk = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        self._json(
            200,
            {"totalElements": len(items), "page": page, "size": PAGE_SIZE, "returnDiagrams": chunk},
            headers,
        )

    def _diagram(self, diagram_id: str, headers: dict[str, str], *, wrap: bool) -> None:
        found = self.server.folder.find(diagram_id)
        if found is None:
            self._error(404, "Not Found", f"Diagram {diagram_id} not found", headers)
            return
        meta, path = found
        diagram = {**meta, "body": path.read_text(encoding="utf-8"), "updateBy": "sandbox"}
        self._json(200, {"permission": "EDIT", "diagram": diagram} if wrap else diagram, headers)

    def _assignees(self, diagram_id: str, headers: dict[str, str]) -> None:
        found = self.server.folder.find(diagram_id)
        if found is None:
            self._error(404, "Not Found", f"Diagram {diagram_id} not found", headers)
            return
        sidecar = found[1].with_suffix(".assignees.json")
        edges = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else []
        self._json(200, edges, headers)

    def _error(self, status: int, error: str, message: str, headers: dict[str, str]) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        body = {
            "timestamp": stamp,
            "status": status,
            "error": error,
            "message": message,
            "path": urlsplit(self.path).path,
        }
        self._json(status, body, headers)

    def _json(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def make_server(
    host: str, port: int, diagrams_dir: Path | str, api_key: str, limit: int = 5, window_s: float = 60.0
) -> StormSandboxServer:
    """A ready server (not yet serving: run ``serve_forever`` in a thread); port 0 picks a free one."""
    folder = DiagramFolder(Path(diagrams_dir))
    return StormSandboxServer((host, port), folder, api_key, _Window(limit, window_s))
