"""``deploy FILE...``: ``deployment/create`` and the definitions and versions it created."""

from __future__ import annotations

from pathlib import Path

import click

from camunda_sync.cli.common import CliContext, pass_cli, read_file
from camunda_sync.deploy import deploy


@click.command("deploy")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--name", help="Deployment name (default: the first file's name without extension).")
@click.option("--source", help="Deployment source (default: deploy.source in the config).")
@click.option("--tenant", help="Tenant id (default: deploy.tenant_id / CAMUNDA_TENANT_ID).")
@click.option(
    "--changed-only/--always",
    default=True,
    show_default=True,
    help="Deploy only resources that differ from the last deployment of this name.",
)
@pass_cli
def deploy_cmd(
    cli: CliContext,
    files: tuple[Path, ...],
    name: str | None,
    source: str | None,
    tenant: str | None,
    changed_only: bool,
) -> None:
    """Deploy FILES in one deployment; prints new definitions and versions, or "unchanged"."""
    config = cli.config()
    resources = {path.name: read_file(path) for path in files}
    client = cli.engine()
    try:
        outcome = deploy(
            client,
            name or files[0].stem,
            resources,
            source=source or config.deploy.source,
            tenant_id=tenant or config.deploy.tenant_id,
            changed_only=changed_only,
        )
    finally:
        client.close()
    for line in outcome.lines():
        click.echo(line)
