"""The OpenProject tracker: which work packages are closed, and telling OpenProject about cancellations.

The tracker process gets it from the system's descriptor (``systems/registry.py``) and calls
``check`` with up to ``batch_size`` in-flight items. One check costs one collection request
per ``ids_per_request`` work packages (``filters`` by id, and status "all": the default filter
hides closed ones; further pages by page number when the instance caps ``pageSize``), plus,
only when needed, one ``GET /work_packages/{id}`` per id the collection left out and one
``GET …/activities`` per finished work package for its newest comment.

A work package is done when its status ``isClosed``. A rejected status (``rejected_statuses``)
ends as the BPMN error ``errors.rejected``, unless the activity answers a yes/no gateway:
then it completes with ``op_approved`` false. A deleted (or no longer visible) work package
ends as the BPMN error ``errors.gone``. The tracker's settling turns an uncaught BPMN error into
an incident. When OpenProject struggles (429, 5xx, unreachable, an open circuit) or refuses the
token, the rest of the round waits for the next poll.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from loguru import logger

from core.contracts import BpmnErrorOutcome, CompleteOutcome, FailureOutcome
from core.contracts.result import typed
from core.errors import RetryableError
from core.tracking import FinalOutcome, TrackedItem
from systems.openproject.cancel import Cancellation
from systems.openproject.catalog import Catalog
from systems.openproject.client import ALL_STATUSES, OpenProjectClient
from systems.openproject.connection import build_client
from systems.openproject.errors import OpenProjectNotFound, OpenProjectRejected
from systems.openproject.hal import href, resource_id
from systems.openproject.results import latest_comment, result_variables
from systems.openproject.settings import OpenProjectSettings, load_settings


def create_tracker(options: Mapping[str, Any]) -> OpenProjectTracker:
    settings = load_settings(options)
    return OpenProjectTracker(build_client(settings), settings)


class OpenProjectTracker:
    """Implements :class:`core.tracking.SystemTracker` for work packages."""

    def __init__(
        self, client: OpenProjectClient, settings: OpenProjectSettings, catalog: Catalog | None = None
    ) -> None:
        self.client = client
        self.settings = settings
        self.catalog = catalog or Catalog(client, settings.cache_ttl_s)
        self._cancellation = Cancellation(client, settings, self.catalog)

    def check(self, items: Sequence[TrackedItem]) -> dict[str, FinalOutcome]:
        """Outcomes of the closed, rejected and gone work packages; open ones are left out."""
        outcomes: dict[str, FinalOutcome] = {}
        wanted: dict[int, TrackedItem] = {}
        for item in items:
            if item.external_id.isdigit():
                wanted[int(item.external_id)] = item
            else:
                outcomes[item.external_task_id] = FailureOutcome(
                    message=f"openproject: {item.external_id[:40]!r} is not a work package id"
                )
        ids, size = list(wanted), self.settings.ids_per_request
        try:
            for start in range(0, len(ids), size):
                outcomes.update(self._check_ids(ids[start : start + size], wanted))
        except RetryableError as err:
            logger.warning("openproject status check postponed ({} work packages): {}", len(ids), err)
        except OpenProjectRejected as err:
            logger.error("openproject status check failed, postponed ({} work packages): {}", len(ids), err)
        return outcomes

    def cancelled(self, item: TrackedItem) -> None:
        """The instance was cancelled: comment on the work package and set the cancel status."""
        self._cancellation(item)

    def _check_ids(self, ids: list[int], wanted: Mapping[int, TrackedItem]) -> dict[str, FinalOutcome]:
        filters = [{"id": {"operator": "=", "values": [str(i) for i in ids]}}, ALL_STATUSES]
        listed = self.client.find_work_packages(filters, page_size=len(ids))
        found = {resource_id(wp): wp for wp in listed}
        outcomes: dict[str, FinalOutcome] = {}
        for work_package_id in ids:
            item = wanted[work_package_id]
            work_package = found.get(work_package_id) or self._confirmed(work_package_id)
            if work_package is None:
                outcomes[item.external_task_id] = BpmnErrorOutcome(
                    code=self.settings.errors.gone,
                    message=f"OpenProject work package {work_package_id} was deleted (or the token's user "
                    "cannot see it any more)",
                )
                continue
            outcome = self._outcome(item, work_package_id, work_package)
            if outcome is not None:
                outcomes[item.external_task_id] = outcome
        return outcomes

    def _confirmed(self, work_package_id: int) -> dict[str, Any] | None:
        """A work package the collection left out, read alone; None when that says 404."""
        try:
            return self.client.work_package(work_package_id)
        except OpenProjectNotFound:
            return None

    def _outcome(
        self, item: TrackedItem, work_package_id: int, work_package: Mapping[str, Any]
    ) -> FinalOutcome | None:
        status = self.catalog.status(href(work_package, "status"))
        if status is None:
            logger.warning(
                "openproject work package {}: unknown status {}",
                work_package_id,
                href(work_package, "status"),
            )
            return None
        rejected = status.name.strip().casefold() in self.settings.rejected
        if not (status.closed or rejected):
            return None
        comment = self._comment(work_package_id) if self.settings.results.last_comment else None
        variables = typed(result_variables(work_package, status, rejected, comment, self.settings))
        logger.info(
            "openproject task={} work package {} is {}", item.external_task_id, work_package_id, status.name
        )
        if rejected and not item.answers_gateway:
            return BpmnErrorOutcome(
                code=self.settings.errors.rejected,
                message=f"OpenProject work package {work_package_id} was rejected (status {status.name!r})",
                variables=variables,
            )
        return CompleteOutcome(variables=variables)

    def _comment(self, work_package_id: int) -> str | None:
        try:
            return latest_comment(self.client.activities(work_package_id))
        except OpenProjectNotFound:
            return None
