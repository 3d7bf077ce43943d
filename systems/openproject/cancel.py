"""Telling OpenProject that a work package's process instance was cancelled in Camunda.

First a comment (``POST /work_packages/{id}/activities``, text ``on_cancel.comment``), then the
status ``on_cancel.status`` (``PATCH /work_packages/{id}`` with the ``lockVersion`` just read).
A 409 ``UpdateConflict`` means someone changed the work package in between: it is read again
and the change applied once more; a second 409 is an error (logged by the tracker). A work
package that is gone (404) needs nothing; one a person has closed already keeps its status.
"""

from __future__ import annotations

from loguru import logger

from core.tracking import TrackedItem
from systems.openproject.catalog import Catalog
from systems.openproject.client import OpenProjectClient
from systems.openproject.errors import OpenProjectConflict, OpenProjectNotFound, OpenProjectRejected
from systems.openproject.hal import href, id_of
from systems.openproject.settings import OpenProjectSettings

ATTEMPTS = 2


class Cancellation:
    def __init__(self, client: OpenProjectClient, settings: OpenProjectSettings, catalog: Catalog) -> None:
        self.client = client
        self.settings = settings
        self.catalog = catalog

    def __call__(self, item: TrackedItem) -> None:
        if not item.external_id.isdigit():
            logger.error(
                "task={} has no work package id ({!r})", item.external_task_id, item.external_id[:40]
            )
            return
        work_package_id = int(item.external_id)
        try:
            self._comment(work_package_id, item)
            if self.settings.on_cancel.status:
                self._set_status(work_package_id, self.settings.on_cancel.status)
        except OpenProjectNotFound:
            logger.info("openproject work package {} is gone: nothing to cancel", work_package_id)

    def _comment(self, work_package_id: int, item: TrackedItem) -> None:
        template = self.settings.on_cancel.comment
        if not template:
            return
        text = (
            template.replace("{process_instance_id}", item.process_instance_id)
            .replace("{activity_id}", item.activity_id)
            .replace("{work_package_id}", str(work_package_id))
        )
        try:
            self.client.add_comment(work_package_id, text)
        except OpenProjectNotFound:
            raise
        except OpenProjectRejected as err:  # no permission to comment: the status may still change
            logger.warning(
                "openproject work package {}: cancellation comment refused: {}", work_package_id, err
            )

    def _set_status(self, work_package_id: int, name: str) -> None:
        target = self.catalog.href("statuses", name, "option on_cancel.status")
        for attempt in range(1, ATTEMPTS + 1):
            current = self.client.work_package(work_package_id)
            status = self.catalog.status(href(current, "status"))
            if status is not None and (status.closed or status.id == id_of(target)):
                logger.info(
                    "openproject work package {} is {} already: status left as it is",
                    work_package_id,
                    status.name,
                )
                return
            body = {"lockVersion": current.get("lockVersion"), "_links": {"status": {"href": target}}}
            try:
                self.client.update_work_package(work_package_id, body)
            except OpenProjectConflict as err:
                if attempt == ATTEMPTS:
                    raise OpenProjectConflict(
                        f"openproject work package {work_package_id}: status not set to {name!r} on "
                        f"cancellation: it changed under us {ATTEMPTS} times ({err})",
                        status=409,
                        identifier=err.identifier,
                    ) from err
                logger.info(
                    "openproject work package {} changed meanwhile (409): reading it again", work_package_id
                )
                continue
            logger.info("openproject work package {} set to {} on cancellation", work_package_id, name)
            return
