"""Tests that need a tool fail, naming it and how to install it, when the tool is missing.

A skip reads like a pass in a summary, and ``make test`` installs every tool the tests need;
so a missing one is a broken set-up to fix, not a reason to test less.
"""

from __future__ import annotations

import shutil
from typing import NoReturn

import pytest

from tests.support.services import ROOT

NODE_MODULES = ROOT / "node_modules"
NODE = "Node.js 20+ with npm (nodejs.org or NodeSource; Debian 12's own is too old), then `make npm`"
NPM_PACKAGES = "`make npm` (npm ci from package-lock.json)"


def missing(what: str, install: str) -> NoReturn:
    pytest.fail(f"{what} is missing; install it with {install}", pytrace=False)


def need_npm_packages(*packages: str) -> None:
    """Node itself and these packages from package.json."""
    if shutil.which("node") is None:
        missing("node", NODE)
    for package in packages:
        if not (NODE_MODULES / package).is_dir():
            missing(f"the npm package {package} (in {NODE_MODULES})", NPM_PACKAGES)
