"""A typed OpenProject API v3 client: one method per remote call, on the shared ``core.http`` path.

Every call sends HTTP Basic ``apikey:<token>``, ``Accept: application/hal+json`` and, with a
body, ``Content-Type: application/json`` (without it OpenProject answers 406, with another
type 415). Answers other than 2xx become the tree of ``errors.py``: 429 and 5xx retryable
(with ``Retry-After`` when sent), the rest permanent. Nothing is repeated here: a create that
timed out may have happened, so the next attempt looks before it creates (``work_packages.py``),
and the tracker simply asks again next round. Limits, circuit breaker, timeout and TLS are the
system's (``core.http``); a transport failure is a ``TransportFailure`` (retryable).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from core.http import SystemHttp, retry_after_s
from systems.openproject.errors import OpenProjectProtocolError, error_for
from systems.openproject.hal import JsonMap, Page, elements

Filters = Sequence[Mapping[str, Any]]
MAX_PAGES = 50  # a runaway "total" never keeps a thread paging forever
ALL_STATUSES: JsonMap = {"status": {"operator": "*", "values": []}}  # the default filter hides closed ones


class OpenProjectClient:
    """Thread-safe if the session is; the token never leaves the Authorization header."""

    def __init__(
        self,
        http: SystemHttp,
        base_url: str,
        token: str,
        *,
        token_env: str,
        notify: bool = False,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.api = f"{self.base_url}/api/v3"
        self._auth = ("apikey", token)
        self._token_env = token_env
        self._notify = "true" if notify else "false"

    def __repr__(self) -> str:
        return f"OpenProjectClient(base_url={self.base_url!r})"

    def href(self, kind: str, resource_id: int) -> str:
        """The href OpenProject itself writes: ``/api/v3/users/5`` (under the instance's path prefix)."""
        return f"{urlsplit(self.api).path}/{kind}/{int(resource_id)}"

    # --- work packages -------------------------------------------------------------------

    def create_work_package(self, project: str, body: Mapping[str, Any]) -> JsonMap:
        """``POST /projects/{project}/work_packages`` (201 Created); the new work package."""
        path = f"/projects/{_segment(project)}/work_packages"
        return self._call("POST", path, "create work package", body=body, params={"notify": self._notify})

    def work_package_form(self, project: str, body: Mapping[str, Any]) -> JsonMap:
        """``POST /projects/{project}/work_packages/form``: payload, schema and validation errors."""
        path = f"/projects/{_segment(project)}/work_packages/form"
        return self._call("POST", path, "work package form", body=body)

    def work_package(self, work_package_id: int) -> JsonMap:
        return self._call("GET", f"/work_packages/{int(work_package_id)}", "read work package")

    def update_work_package(self, work_package_id: int, body: Mapping[str, Any]) -> JsonMap:
        """``PATCH /work_packages/{id}``; ``body`` must carry the current ``lockVersion`` (else 409)."""
        path = f"/work_packages/{int(work_package_id)}"
        return self._call("PATCH", path, "update work package", body=body, params={"notify": self._notify})

    def work_packages_page(
        self, filters: Filters, *, page_size: int, page: int = 1, project: str | None = None
    ) -> Page:
        """One page of the work packages matching ``filters`` (in the project, when given), by id."""
        path = f"/projects/{_segment(project)}/work_packages" if project else "/work_packages"
        params = {
            "filters": json.dumps(list(filters), separators=(",", ":")),
            "pageSize": page_size,
            "offset": page,  # a page number, not a row offset
            "sortBy": '[["id","asc"]]',
        }
        return Page.of(self._call("GET", path, "list work packages", params=params), page)

    def find_work_packages(
        self, filters: Filters, *, page_size: int, project: str | None = None
    ) -> list[JsonMap]:
        """Every matching work package, page by page (the instance may cap ``pageSize``)."""
        found: list[JsonMap] = []
        for page_number in range(1, MAX_PAGES + 1):
            page = self.work_packages_page(filters, page_size=page_size, page=page_number, project=project)
            found += page.elements
            if page.last:
                break
        return found

    # --- activities ----------------------------------------------------------------------

    def activities(self, work_package_id: int) -> list[JsonMap]:
        """The work package's journal (changes and comments), oldest first."""
        path = f"/work_packages/{int(work_package_id)}/activities"
        return elements(self._call("GET", path, "read activities"))

    def add_comment(self, work_package_id: int, text: str) -> None:
        path = f"/work_packages/{int(work_package_id)}/activities"
        body = {"comment": {"raw": text}}
        self._call(
            "POST", path, "comment work package", body=body, params={"notify": self._notify}, answer=False
        )

    # --- catalogues ----------------------------------------------------------------------

    def listing(self, name: str) -> list[JsonMap]:
        """An unpaginated catalogue: ``types``, ``priorities`` or ``statuses``."""
        return elements(self._call("GET", f"/{name}", f"list {name}"))

    # --- transport -----------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        answer: bool = True,
    ) -> JsonMap:
        headers = {"Accept": "application/hal+json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        response = self.http.request(
            method,
            self.api + path,
            params=dict(params or {}),
            json=None if body is None else dict(body),
            headers=headers,
            auth=self._auth,
        )
        payload = _json_or_none(response)
        if 200 <= response.status_code < 300:
            if isinstance(payload, dict):
                return payload
            if not answer:
                return {}
            raise OpenProjectProtocolError(
                f"OpenProject {what}: HTTP {response.status_code} without a JSON object",
                status=response.status_code,
            )
        raise error_for(
            what,
            response.status_code,
            payload,
            token_env=self._token_env,
            retry_after=retry_after_s(response.headers),
        )


def _segment(value: str | None) -> str:
    """A project id or identifier as one path segment."""
    return quote(str(value), safe="")


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
