"""What may be submitted directly: the configured systems, their topics and declared inputs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from loguru import logger

from core.actions.router import TaskRouter
from core.config import AppSettings
from core.contracts.direct import Submission
from core.errors import ExchangerError, SubmissionInvalid

RouterFactory = Callable[[str, Mapping[str, Any]], TaskRouter]  # systems.registry.create_router


class TopicCatalog:
    """Every configured system's router, built once; a system that cannot load is reported, not fatal."""

    def __init__(self, settings: AppSettings, create_router: RouterFactory) -> None:
        self._routers: dict[str, TaskRouter] = {}
        self._broken: dict[str, str] = {}
        for name, config in settings.systems.items():
            try:
                self._routers[name] = create_router(name, config.options)
            except ExchangerError as err:
                self._broken[name] = str(err)
                logger.error("direct intake: system {} is unavailable: {}", name, err)

    @property
    def systems(self) -> dict[str, list[str]]:
        """System → its topics (for the API's index and error messages)."""
        return {name: router.topics for name, router in self._routers.items()}

    def problems(self, submission: Submission) -> list[str]:
        """Every reason to refuse ``submission``; empty when it may run."""
        system = submission.system
        if system in self._broken:
            return [f"system: {system!r} is configured but cannot load: {self._broken[system]}"]
        router = self._routers.get(system)
        if router is None:
            known = ", ".join(sorted(self._routers)) or "none"
            return [f"system: {system!r} is not configured (configured: {known})"]
        if router.handler_for(submission.topic) is None:
            return [
                f"topic: system {system!r} has no topic {submission.topic!r} (topics: {', '.join(router.topics)})"
            ]
        inputs = router.inputs_for(submission.topic)
        return inputs.problems(submission.variables) if inputs else []

    def check(self, submission: Submission) -> None:
        problems = self.problems(submission)
        if problems:
            raise SubmissionInvalid(problems)
