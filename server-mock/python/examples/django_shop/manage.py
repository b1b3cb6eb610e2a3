#!/usr/bin/env python3
"""The example Django project's manage.py: ``python3 manage.py tether_worker`` runs shop.rpc's worker."""
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # The example runs from the repository: make the tether_worker package beside it importable.
    sys.path.insert(1, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
