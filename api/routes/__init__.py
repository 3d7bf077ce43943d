"""The API's routers: direct tasks, and control of processes and executions."""
