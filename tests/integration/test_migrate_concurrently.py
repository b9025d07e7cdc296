"""Several processes migrating one database at once (containers starting together) take turns."""

import subprocess
import sys

from dashapp import migrate
from dashapp.settings import Settings
from tests.support.database import create_test_database, drop_database


def test_concurrent_upgrades_all_succeed(server_settings: Settings) -> None:
    url = create_test_database(server_settings.database_url or "", prefix="hd_migr_lock")
    try:
        code = f"from dashapp import migrate; migrate.upgrade({url!r})"
        procs = [
            subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        errors = [p.communicate(timeout=600)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], errors
        assert migrate.is_up_to_date(url)
    finally:
        drop_database(url)
