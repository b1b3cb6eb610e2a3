"""Settings of the example Django project: the Tether part is INSTALLED_APPS and TETHER."""
import os

SECRET_KEY = "example-only"
DEBUG = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "shopsite.urls"
INSTALLED_APPS = ["tether_worker.django", "shop"]
DATABASES = {}
USE_TZ = True

TETHER = {
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"),
    "PREFIX": os.environ.get("PREFIX", "tether:"),
    "WORKER": "shop.rpc",
}
