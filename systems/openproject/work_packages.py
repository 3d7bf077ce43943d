"""The work package action: one Camunda task → one OpenProject work package, then tracked.

Order of work: read every setting from the task (no remote call; a bad model fails without
side effects); resolve type and priority names (cached catalogues); read the form of the
project and type (cached) and check its required fields; look for a work package an earlier
run made (the ``task_id_field`` custom field carries the external task id); only then create
it with ``POST /projects/{id}/work_packages?notify=false``. The common path costs two requests:
the lookup and the create.

Why look before every create (``lookup: always``, the default) and not only when
``ctx.resumed``: a create whose answer was lost (a read timeout, a 502 from a proxy) may have
happened, and the ledger then knows nothing of it. ``resumed`` covers that case too, since
the failed attempt is counted, so ``lookup: resumed`` is safe for a single ledger and saves
one request per task; ``always`` also covers a ledger that lost its state (a new host).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import Tracked, tracked
from systems.openproject.cache import Cache
from systems.openproject.catalog import Catalog
from systems.openproject.client import ALL_STATUSES, OpenProjectClient
from systems.openproject.draft import Draft, build_draft
from systems.openproject.errors import OpenProjectProtocolError
from systems.openproject.hal import JsonMap, resource_id
from systems.openproject.schema import Schema, form_body, shape_custom_field
from systems.openproject.settings import OpenProjectSettings


class CreateWorkPackage:
    """Callable handler of the work package topic."""

    def __init__(
        self,
        client: OpenProjectClient,
        settings: OpenProjectSettings,
        catalog: Catalog | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.settings = settings
        self.catalog = catalog or Catalog(client, settings.cache_ttl_s)
        self._forms: Cache[tuple[str, str], Schema] = Cache(settings.cache_ttl_s)
        self._clock = clock

    def __call__(self, task: TaskContext) -> Tracked:
        draft = build_draft(task, self.settings, self._clock())
        links = self._links(draft)
        schema = self.schema(draft.project, links.get("type"))
        body = self._body(draft, links, schema)
        schema.require(body, draft.project)
        if self.settings.lookup == "always" or task.resumed:
            existing = self.find_existing(task.external_task_id, draft.project)
            if existing is not None:
                logger.warning(
                    "openproject task={} already has work package {} (an earlier attempt created it); "
                    "tracking it",
                    task.external_task_id,
                    existing,
                )
                return tracked(str(existing), url=self.url(existing))
        work_package_id = self._create(draft.project, body)
        logger.info(
            "openproject task={} created work package {} in project {}",
            task.external_task_id,
            work_package_id,
            draft.project,
        )
        return tracked(str(work_package_id), url=self.url(work_package_id))

    def url(self, work_package_id: int) -> str:
        """The work package's web address (option ``work_package_url``)."""
        return self.settings.work_package_url.replace("{base_url}", self.client.base_url).replace(
            "{id}", str(work_package_id)
        )

    def schema(self, project: str, type_href: str | None) -> Schema:
        """The form schema of ``project`` for the type, read once per ``cache_ttl_s``."""
        key = (project, type_href or "")
        return self._forms.get(
            key, lambda: Schema.of_form(self.client.work_package_form(project, form_body(type_href)))
        )

    def find_existing(self, external_task_id: str, project: str) -> int | None:
        """The oldest work package carrying the task id, closed ones included."""
        filters = [
            {self.settings.task_id_field: {"operator": "=", "values": [external_task_id]}},
            ALL_STATUSES,
        ]
        found = self.client.find_work_packages(filters, page_size=10, project=project)
        ids = sorted(i for i in (resource_id(wp) for wp in found) if i is not None)
        if len(ids) > 1:
            logger.error("openproject task={} has {} work packages {}", external_task_id, len(ids), ids)
        return ids[0] if ids else None

    def _links(self, draft: Draft) -> dict[str, str]:
        """Hrefs of the linked fields: names resolved through the catalogues."""
        links: dict[str, str] = {}
        if draft.type is not None:
            links["type"] = self.catalog.href("types", *draft.type)
        if draft.priority is not None:
            links["priority"] = self.catalog.href("priorities", *draft.priority)
        for name, person in (("assignee", draft.assignee), ("responsible", draft.responsible)):
            if person is not None:
                links[name] = person if isinstance(person, str) else self.client.href("users", person)
        if draft.parent is not None:
            links["parent"] = self.client.href("work_packages", draft.parent)
        return links

    def _body(self, draft: Draft, links: Mapping[str, str], schema: Schema) -> JsonMap:
        body: JsonMap = {
            "subject": draft.subject,
            "description": {"format": "markdown", "raw": draft.description},
        }
        if draft.start_date:
            body["startDate"] = draft.start_date
        if draft.due_date:
            body["dueDate"] = draft.due_date
        linked: dict[str, Any] = {name: {"href": href} for name, href in links.items()}
        for key, (value, origin) in draft.custom_fields.items():
            is_link, shaped = shape_custom_field(schema, key, value, origin, self.client)
            (linked if is_link else body)[key] = shaped
        body["_links"] = linked
        return body

    def _create(self, project: str, body: Mapping[str, Any]) -> int:
        created = self.client.create_work_package(project, body)
        work_package_id = resource_id(created)
        if work_package_id is None:
            raise OpenProjectProtocolError("OpenProject create work package: the answer carries no id")
        return work_package_id
