"""``ozon.products``: the account's whole catalogue (``/v3/product/list``) into a dataset.

Pages follow ``last_id``: the first request sends ``""``, each next one the ``last_id`` of
the answer before; an answer with an empty ``last_id`` (or no items) is the last. Each page
is one chunk keyed by the ``last_id`` that asked for it, stored with the ``last_id`` to ask
next as its cursor (``next:<last_id>``, or ``end``), so a redelivered task asks only for the
pages it has not stored. Rows: ``rows.product_row``; kind ``ozon.products``, no time range.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.datasets import DatasetStore, DatasetWriter, dataset_id_for, shared_store
from systems.ozon.accounts import Accounts
from systems.ozon.client import PRODUCT_LIST, OzonClient
from systems.ozon.dataset import chunk_key, result_variables
from systems.ozon.errors import OzonProtocolError
from systems.ozon.patience import Patience, Sleep
from systems.ozon.rows import product_row
from systems.ozon.settings import OzonSettings

KIND = "ozon.products"
END = "end"
NEXT = "next:"


class ProductsPull:
    """Callable handler of the products topic; ``store`` and ``sleep`` are injectable for tests."""

    def __init__(
        self,
        accounts: Accounts,
        settings: OzonSettings,
        *,
        store: Callable[[], DatasetStore] = shared_store,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.accounts = accounts
        self.settings = settings
        self._store = store
        self._sleep = sleep

    def __call__(self, task: TaskContext) -> HandlerOutcome:
        account = self.accounts.pick(task)
        store = self._store()
        dataset_id = dataset_id_for(KIND, task.external_task_id)
        ref = store.finished(dataset_id)
        if ref is None:
            writer = store.writer(dataset_id, kind=KIND)
            pages = self._pull(task, self.accounts.client(account), writer)
            ref = writer.finish()
            logger.info(
                "ozon task={} products of account {}: {} rows, {} pages asked",
                task.external_task_id,
                account,
                ref.rows,
                pages,
            )
        return complete(result_variables(task, self.settings.products.result_variable, ref))

    def _pull(self, task: TaskContext, client: OzonClient, writer: DatasetWriter) -> int:
        """Ask for every page not stored yet; returns how many were asked for."""
        cursor = writer.last_cursor()
        if cursor == END:
            return 0
        last_id = cursor.removeprefix(NEXT) if cursor else ""
        options = self.settings.products
        patience = Patience(self.settings.waiting, task.keep_alive, sleep=self._sleep)
        pages = 0
        while True:
            fetch = partial(
                client.product_list, last_id=last_id, limit=options.page_size, visibility=options.visibility
            )
            page = patience.call(fetch, PRODUCT_LIST)
            pages += 1
            done = not page.last_id or not page.items
            if not done and page.last_id == last_id:
                raise OzonProtocolError(f"Ozon {PRODUCT_LIST} answered the last_id it was asked with")
            rows = [product_row(item) for item in page.items]
            writer.append(chunk_key("page", last_id), rows, cursor=END if done else NEXT + page.last_id)
            if done:
                return pages
            last_id = page.last_id
