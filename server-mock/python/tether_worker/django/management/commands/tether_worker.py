"""``python manage.py tether_worker [module]``: run the Worker a module defines (default: the
``TETHER["WORKER"]`` setting) inside the Django project, so handlers use the ORM as views do.
Handlers that touch the ORM are best written sync: they run in a thread, as Django expects."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tether_worker.runner import find_worker, setup_logging
from tether_worker.django.apps import tether_setting


class Command(BaseCommand):
    help = "Run a Tether worker: the tether_worker.Worker defined in MODULE (default: settings.TETHER['WORKER'])."

    def add_arguments(self, parser):
        parser.add_argument("module", nargs="?", help="module defining the worker, e.g. shop.rpc (or shop.rpc:worker)")

    def handle(self, *args, **options):
        module = options.get("module") or tether_setting("WORKER")
        if not module:
            raise CommandError("Name the module that defines the worker: manage.py tether_worker shop.rpc, or settings.TETHER['WORKER']")
        setup_logging()
        worker = find_worker(module)
        # Settings from TETHER fill in what the Worker() call and the environment leave open.
        for setting, option in (("REDIS_URL", "redis_url"), ("PREFIX", "prefix")):
            if worker._overrides.get(option) is None and tether_setting(setting):
                worker._overrides[option] = tether_setting(setting)
        worker.run_forever()
