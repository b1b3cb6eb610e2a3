"""``Worker``: registers methods (``@worker.method("orders.create")``), runs the calls Redis
routes to them, and announces them with their JSON Schemas so ``system.describe`` on any
gateway lists them. Params are validated before the handler runs (-32602 with
``data.issues``), results after (-32603 ``Invalid result``); a raised ``RpcError`` reaches the
caller as it is, any other exception becomes -32603 with its message, its traceback going to
the log only. Sync handlers run in a thread pool."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional

from redis.asyncio import Redis

from . import scripts
from .config import Settings, load_settings
from .consumer import Consumer
from .context import Context
from .errors import INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND, RpcError, describe_exception, error_reply
from .events import PublishCall
from .keys import Keys, dumps, key_part
from .methods import MethodSpec, method_spec
from .request import CallRequest
from .schemas import Invalid

log = logging.getLogger("tether_worker")


class Worker:
    """A worker on the Redis contract. Settings not given here come from the environment
    (``REDIS_URL``, ``PREFIX``, ``WORKER_NAME``, ``CONCURRENCY``, ``CLAIM_IDLE_MS``,
    ``MAX_DELIVERIES``, …), then the defaults of ``tether-worker``."""

    def __init__(
        self,
        redis_url: Optional[str] = None,
        *,
        prefix: Optional[str] = None,
        name: Optional[str] = None,
        concurrency: Optional[int] = None,
        claim_idle_ms: Optional[int] = None,
        max_deliveries: Optional[int] = None,
        announce_ttl_ms: Optional[int] = None,
        history_max_len: Optional[int] = None,
        history_max_age_ms: Optional[int] = None,
    ) -> None:
        self._overrides = dict(
            redis_url=redis_url,
            prefix=prefix,
            name=name,
            concurrency=concurrency,
            claim_idle_ms=claim_idle_ms,
            max_deliveries=max_deliveries,
            announce_ttl_ms=announce_ttl_ms,
            history_max_len=history_max_len,
            history_max_age_ms=history_max_age_ms,
        )
        self.methods: Dict[str, MethodSpec] = {}
        self.settings: Optional[Settings] = None
        self._redis: Optional[Redis] = None
        self._consumer: Optional[Consumer] = None
        self._announcer: Optional[asyncio.Task] = None
        self._executor: Optional[ThreadPoolExecutor] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._loop_thread: Optional[int] = None
        self._stop_requested: Optional[asyncio.Event] = None

    # ── methods ─────────────────────────────────────────────────────────────

    def method(self, name: str, *, description: Optional[str] = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: serve ``name`` with the decorated function (async or sync)."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.add(name, handler, description=description)
            return handler

        return register

    def add(self, name: str, handler: Callable[..., Any], *, description: Optional[str] = None) -> None:
        if name in self.methods:
            raise ValueError(f"method {name} is registered twice")
        if self._consumer is not None:
            raise RuntimeError("methods must be registered before the worker starts")
        self.methods[name] = method_spec(name, handler, description)

    def describe(self) -> Dict[str, Any]:
        """Every method's description and JSON Schemas, as announced for ``system.describe``."""
        return {name: spec.describe() for name, spec in self.methods.items()}

    # ── one call ────────────────────────────────────────────────────────────

    async def handle(self, request: CallRequest) -> Dict[str, Any]:
        """The answer to one request: ``{"result": …}`` or ``{"error": {code, message, data?}}``."""
        spec = self.methods.get(request.method)
        if spec is None:
            return error_reply(METHOD_NOT_FOUND, f"Method not found: {request.method}")
        kwargs: Dict[str, Any] = {}
        if spec.params is not None and spec.params_arg is not None:
            try:
                kwargs[spec.params_arg] = spec.params.validate(self._params_value(spec, request.params))
            except Invalid as invalid:
                return error_reply(INVALID_PARAMS, "Invalid params", {"issues": invalid.issues})
        elif request.params is not None and not isinstance(request.params, dict):
            return error_reply(INVALID_PARAMS, "Invalid params", {"issues": [{"path": [], "message": "This method takes no params"}]})
        if spec.ctx_arg is not None:
            kwargs[spec.ctx_arg] = self._context(request)
        try:
            if spec.is_async:
                output = await spec.handler(**kwargs)
            else:
                loop = asyncio.get_running_loop()
                output = await loop.run_in_executor(self._executor, lambda: spec.handler(**kwargs))
        except RpcError as error:
            return {"error": error.to_error()}
        except Exception as error:
            log.exception("handler of %s failed (call %s)", request.method, request.id)
            return error_reply(INTERNAL_ERROR, describe_exception(error))
        try:
            result = spec.result.dump(spec.result.validate(output) if spec.result_declared else output)
            dumps(result)  # JSON or not at all: NaN and the like are refused here, not by the reply
        except Invalid as invalid:
            log.error("%s returned an invalid result: %s", request.method, invalid)
            return error_reply(INTERNAL_ERROR, "Invalid result", {"issues": invalid.issues})
        except (TypeError, ValueError) as error:
            log.error("%s returned a result that is not JSON: %s", request.method, error)
            return error_reply(INTERNAL_ERROR, "Invalid result")
        return {"result": result}

    @staticmethod
    def _params_value(spec: MethodSpec, params: Any) -> Any:
        # A call without params is a call with an empty object when the params are a model, so a
        # model whose fields all have defaults can be called bare, and one with required fields
        # says which are missing.
        if params is None:
            from .schemas import is_model

            if spec.params is not None and is_model(spec.params.tp):
                return {}
        return params

    def _context(self, request: CallRequest) -> Context:
        return Context(
            user=request.user,
            conn=request.conn,
            gateway=request.gateway,
            worker=self.name,
            call_id=request.id,
            deadline=request.deadline,
            _publish=self.publish,
            _loop=self._loop,
            _loop_thread=self._loop_thread,
        )

    # ── events ──────────────────────────────────────────────────────────────

    async def publish(self, target: Dict[str, Any], body: Dict[str, Any]) -> Dict[str, Any]:
        """Store ``body`` in ``target``'s history and fan it out live; returns the stored event."""
        if self._redis is None or self.settings is None:
            raise RuntimeError("the worker is not running")
        s = self.settings
        call = PublishCall(Keys(s.prefix), target, body, s.history_max_len, s.history_max_age_ms)
        offset = await self._publish_script(keys=call.keys, args=call.args)
        return call.event(offset)

    # ── life cycle ──────────────────────────────────────────────────────────

    @property
    def name(self) -> str:
        return self.settings.name if self.settings else ""

    async def start(self) -> None:
        """Connect, announce the methods, start taking calls."""
        if not self.methods:
            raise RuntimeError("the worker has no methods: register some with @worker.method(name)")
        self.settings = s = load_settings(**self._overrides)
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stop_requested = asyncio.Event()
        # Enough threads for every call this worker may run at once (new ones and rescued ones).
        self._executor = ThreadPoolExecutor(max_workers=2 * s.concurrency, thread_name_prefix="tether-handler")
        self._redis = Redis.from_url(s.redis_url, decode_responses=True)
        self._publish_script = self._redis.register_script(scripts.PUBLISH)
        self._advertise_script = self._redis.register_script(scripts.ADVERTISE)
        keys = Keys(s.prefix)
        self._described = self.describe()
        await self._announce()
        self._consumer = Consumer(
            self._redis,
            keys,
            s.name,
            list(self.methods),
            self.handle,
            batch=s.concurrency,
            claim_idle_ms=s.claim_idle_ms,
            max_deliveries=s.max_deliveries,
            logger=log,
        )
        await self._consumer.start()
        self._announcer = asyncio.ensure_future(self._keep_announcing())
        log.info("worker running: %s serves %s", s.name, ", ".join(self.methods))

    async def _announce(self) -> None:
        assert self.settings is not None
        s = self.settings
        keys = Keys(s.prefix)
        args: List[Any] = [s.announce_ttl_ms]
        for name, description in self._described.items():
            args += [name, s.name, dumps(description)]
        await self._advertise_script(keys=[keys.serving, keys.methods], args=args)

    async def _keep_announcing(self) -> None:
        assert self.settings is not None
        warned = False
        while True:
            await asyncio.sleep(self.settings.announce_ttl_ms / 3000)
            try:
                await self._announce()
                warned = False
            except Exception:
                if not warned:  # once per outage: the next renewal tries again, well within the lease
                    log.warning("could not announce methods", exc_info=True)
                warned = True

    async def stop(self) -> None:
        """Leave the method directory, take no new calls, finish the ones taken, disconnect."""
        if self._consumer is None or self._redis is None or self.settings is None:
            return
        if self._announcer:
            self._announcer.cancel()
        keys = Keys(self.settings.prefix)
        # Gone from the directory first, so gateways stop routing here while the last calls finish.
        try:
            await self._redis.zrem(keys.serving, *[f"{key_part(m)}{self.settings.name}" for m in self.methods])
        except Exception:
            log.warning("could not withdraw the methods", exc_info=True)
        await self._consumer.stop()
        self._consumer = None
        if self._executor:
            self._executor.shutdown(wait=False)
        await self._redis.close()
        await self._redis.connection_pool.disconnect()
        log.info("worker stopped: %s", self.settings.name)

    def request_stop(self) -> None:
        """Ask ``run`` to stop (what SIGTERM and SIGINT do)."""
        if self._stop_requested is not None:
            self._stop_requested.set()

    async def run(self) -> None:
        """Start, serve until SIGTERM or SIGINT (or ``request_stop``), then stop gracefully:
        the calls already taken are finished and answered, new ones stay queued for others."""
        await self.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self.request_stop)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or no signals here: request_stop() still works
        assert self._stop_requested is not None
        try:
            await self._stop_requested.wait()
            log.info("shutting down: finishing the calls already taken")
        finally:
            await self.stop()

    def run_forever(self) -> None:
        """``asyncio.run(worker.run())``."""
        asyncio.run(self.run())
