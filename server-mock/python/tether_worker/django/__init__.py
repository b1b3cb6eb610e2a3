"""Django integration: add ``"tether_worker.django"`` to ``INSTALLED_APPS`` for the
``manage.py tether_worker`` command, and for ``tether_worker.notify`` & co. to publish where
the ``TETHER`` setting says (``{"REDIS_URL": …, "PREFIX": …, "WORKER": "shop.rpc"}``)."""
