"""``python -m tether_worker <module>`` as a process: it starts, serves, and on SIGTERM
finishes the call it is running, answers it, and exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def start(redis_url: str, prefix: str, module: str = "examples.shop") -> subprocess.Popen:
    env = dict(os.environ, REDIS_URL=redis_url, PREFIX=prefix, WORKER_NAME="runner-test", LOG_LEVEL="info")
    proc = subprocess.Popen([sys.executable, "-m", "tether_worker", module], cwd=PACKAGE_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = ""
    deadline = time.time() + 15
    while "worker running" not in line:
        line = proc.stdout.readline()
        assert line or proc.poll() is None, "the worker exited before it was running"
        assert time.time() < deadline, "the worker did not start"
    return proc


def test_sigterm_finishes_the_running_call_then_exits(redis_url, prefix, gateway):
    proc = start(redis_url, prefix)
    try:
        req = gateway.request("orders.create", {"sku": "A1", "qty": 2, "delay_ms": 800})
        gateway.submit(req)
        time.sleep(0.3)  # the call is running
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        # Queued after the signal, while the first call still runs: left for the next worker.
        later = gateway.request("orders.create", {"sku": "B2", "qty": 1})
        gateway.submit(later)
        [reply] = gateway.replies(timeout=5)
        assert reply["id"] == req["id"] and reply["result"]["total"] == 19.0
        assert proc.wait(timeout=10) == 0
        # Gone from the directory: gateways answer its methods -32601 once no worker serves them.
        assert gateway.r.zcard(f"{prefix}serving") == 0
        time.sleep(0.2)
        assert len(gateway.replies()) == 1
        groups = {g["name"]: g for g in gateway.r.xinfo_groups(gateway.keys.rpc("orders.create"))}
        assert groups["tether-workers"]["pending"] == 0 and groups["tether-workers"]["lag"] == 1
    finally:
        proc.kill()
        output = proc.stdout.read()
    assert "shutting down" in output and "worker stopped" in output


def test_a_module_without_a_worker_is_refused_with_a_clear_message(redis_url):
    out = subprocess.run([sys.executable, "-m", "tether_worker", "json"], cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "must define one tether_worker.Worker" in out.stderr


def test_a_bad_setting_is_named(redis_url):
    env = dict(os.environ, CONCURRENCY="lots", REDIS_URL="http://nope")
    out = subprocess.run([sys.executable, "-m", "tether_worker", "examples.shop"], cwd=PACKAGE_ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "CONCURRENCY='lots'" in out.stderr and "REDIS_URL='http://nope'" in out.stderr


def test_an_unreachable_redis_is_one_line_not_a_traceback():
    env = dict(os.environ, REDIS_URL="redis://127.0.0.1:1")
    out = subprocess.run([sys.executable, "-m", "tether_worker", "examples.shop"], cwd=PACKAGE_ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert out.stderr.startswith("Redis cannot be reached") and "Traceback" not in out.stderr
