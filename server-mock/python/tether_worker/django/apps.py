"""The Django app: reads the ``TETHER`` setting once Django is ready."""

from __future__ import annotations

from django.apps import AppConfig


def tether_setting(name: str, default=None):
    from django.conf import settings

    return getattr(settings, "TETHER", {}).get(name, default)


class TetherWorkerConfig(AppConfig):
    name = "tether_worker.django"
    label = "tether_worker"
    verbose_name = "Tether worker"

    def ready(self) -> None:
        from .. import publish

        # Views publish where the workers do; unset values fall back to the environment.
        publish.configure(tether_setting("REDIS_URL"), prefix=tether_setting("PREFIX"))
