"""Find the worker a module defines and run it: what ``python -m tether_worker`` and the
Django management command share."""

from __future__ import annotations

import importlib
import logging
import os
from typing import Optional

from .worker import Worker


def find_worker(module_name: str) -> Worker:
    """``module:attribute``, or the module's ``worker`` attribute, or its only ``Worker``."""
    module_name, _, attribute = module_name.partition(":")
    module = importlib.import_module(module_name)
    if attribute:
        found = getattr(module, attribute, None)
        if not isinstance(found, Worker):
            raise SystemExit(f"{module_name}:{attribute} is not a tether_worker.Worker")
        return found
    if isinstance(getattr(module, "worker", None), Worker):
        return module.worker
    workers = [v for v in vars(module).values() if isinstance(v, Worker)]
    if len(workers) != 1:
        raise SystemExit(f"{module_name} must define one tether_worker.Worker (named `worker`, or say which: {module_name}:name); found {len(workers)}")
    return workers[0]


def setup_logging(level: Optional[str] = None) -> None:
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    logging.basicConfig(level="WARNING" if level == "WARN" else level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run_module(module_name: str) -> None:
    setup_logging()
    find_worker(module_name).run_forever()
