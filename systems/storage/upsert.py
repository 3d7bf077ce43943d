"""``storage.upsert``: a dataset's rows into a table by key.

storage.dataset = wb_metrics          (the variable holding the dataset reference)
storage.table   = wb_campaign_days
storage.key     = advert_id, date
storage.target  = stored              (optional: stored_rows, stored_table_rows)
"""

from __future__ import annotations

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.datasets import DatasetRef, shared_store
from core.errors import PermanentError
from systems.storage.names import key_fields, required, table_name

TOPIC = "storage.upsert"


class UpsertDataset:
    def __call__(self, ctx: TaskContext) -> HandlerOutcome:
        variable = required(ctx.properties, "storage.dataset", TOPIC)
        table = table_name(ctx.properties, TOPIC)
        key = key_fields(ctx.properties, TOPIC)
        if variable not in ctx.variables:
            raise PermanentError(f"{TOPIC}: variable {variable!r} (from storage.dataset) is missing")
        ref = DatasetRef.from_variable(ctx.variables[variable], name=variable)
        store = shared_store()
        result = store.upsert(table, key, store.rows(ref), dataset_id=ref.id)
        target = ctx.properties.get("storage.target", "").strip() or "stored"
        return complete({f"{target}_rows": result.written, f"{target}_table_rows": result.table_rows})
