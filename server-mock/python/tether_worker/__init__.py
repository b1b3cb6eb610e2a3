"""tether_worker: Python workers for Tether, on the same Redis contract as the Node worker
(docs/redis-contract.md). Handlers are functions with Pydantic models::

    worker = Worker()

    @worker.method("orders.create")
    async def create_order(params: CreateOrder, ctx: Context) -> Order: ...

Run it with ``python -m tether_worker myapp.rpc`` (or ``python manage.py tether_worker``).
"""

from .config import ConfigError, Settings, load_settings
from .context import Context
from .errors import RpcError
from .publish import broadcast, configure, notify, to_room
from .worker import Worker

__all__ = [
    "ConfigError",
    "Context",
    "RpcError",
    "Settings",
    "Worker",
    "broadcast",
    "configure",
    "load_settings",
    "notify",
    "to_room",
]
__version__ = "0.1.0"
