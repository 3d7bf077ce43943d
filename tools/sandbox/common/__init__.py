"""What the sandboxes share: the fault book, the JSON HTTP server plumbing, control-API helpers."""
