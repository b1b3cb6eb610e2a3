"""The Django integration with Debian's python3-django: ``manage.py tether_worker`` serves the
example project's methods, and a view publishes with ``tether_worker.notify``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

try:
    import django  # noqa: F401
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("Django is missing: apt-get install python3-django (or pip install django)", allow_module_level=True)

from tether_worker.keys import key_part  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent / "examples" / "django_shop"


def test_manage_py_tether_worker_serves_the_projects_methods(redis_url, prefix, gateway):
    env = dict(os.environ, REDIS_URL=redis_url, PREFIX=prefix)
    proc = subprocess.Popen([sys.executable, "manage.py", "tether_worker"], cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 20
        line = ""
        while "worker running" not in line:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "manage.py tether_worker exited"
            assert time.time() < deadline
        ok = gateway.request("shop.quote", {"skus": ["A1", "B2"], "coupon": "TEN"})
        bad = gateway.request("shop.quote", {"skus": []})
        unknown = gateway.request("shop.quote", {"skus": ["Z"]})
        for req in (ok, bad, unknown):
            gateway.submit(req)
        replies = {r["id"]: r for r in gateway.replies(count=3)}
        assert replies[ok["id"]]["result"] == {"total": 26.55, "currency": "EUR"}
        assert replies[bad["id"]]["error"]["code"] == -32602 and replies[bad["id"]]["error"]["data"]["issues"][0]["path"] == ["skus"]
        assert replies[unknown["id"]]["error"] == {"code": 404, "message": "Unknown product", "data": {"skus": ["Z"]}}
        # The sync handler's ctx.notify reached the caller's history.
        assert gateway.r.xlen(f"{prefix}hist:user:{key_part('u1')}") == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.stdout.close()


def test_a_view_publishes_with_tether_worker_notify(redis_url, prefix):
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().post('/orders/o7/ship', {'user': 'bob'});"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = dict(os.environ, REDIS_URL=redis_url, PREFIX=prefix, DJANGO_SETTINGS_MODULE="shopsite.settings", PYTHONPATH=f"{PROJECT}:{PROJECT.parent.parent}")
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    [(entry_id, fields)] = r.xrange(f"{prefix}hist:user:{key_part('bob')}")
    assert answer["body"]["offset"].endswith(entry_id)
    assert json.loads(fields["payload"])["data"] == {"id": "o7"}
