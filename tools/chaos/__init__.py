"""The chaos harness (``python -m tools.chaos``): a seeded run of faults against copies of every service.

It proves nothing is lost or duplicated by counting only external truth: the engine's history
and incidents, the Bitrix24 sandbox's tasks and the chaos handler's effect rows (docs/reliability.md).
"""
