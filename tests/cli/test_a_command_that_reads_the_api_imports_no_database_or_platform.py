"""`greenlight release list` (any command that only reads the API over HTTP) runs without loading the services'
database (SQLAlchemy), their platforms (the local engine's aiodocker, the Kubernetes client), aiohttp or the broker's
client: loaded through `greenlight demo`'s imports, they were 1.3 s of CPU before every command, `--help` included.
`demo` and `up` load what they need when they run (services/cli/demo.py, main.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.cli.conftest import make_release
from tests.cli.stub_api import StubApi
from tests.loaded_modules import plain_environment, under

# Each a module or a package, with everything under it.
NOT_FOR_A_READ = ("sqlalchemy", "asyncpg", "aiohttp", "aio_pika", "aiodocker", "kubernetes_asyncio",
                  "services.shared.db", "services.shared.runtime", "services.shared.platforms",
                  "services.shared.local", "services.shared.kube")
MARK = "loaded-modules:"
# The command as the console script runs it, then what it loaded, on stderr (stdout holds the table).
PROBE = f"""
import json, sys
from services.cli.main import app
try:
    app(["release", "list"], prog_name="greenlight")
except SystemExit as exc:
    code = exc.code
print({MARK!r} + json.dumps({{"code": code, "modules": sorted(sys.modules)}}), file=sys.stderr)
"""


def test_release_list_loads_no_database_platform_or_aiohttp(stub: StubApi) -> None:
    stub.add(make_release("r1", "demo"))
    # The stub's address and token only: none of this shell's GREENLIGHT_* settings.
    env = plain_environment(GREENLIGHT_URL=stub.url, GREENLIGHT_TOKEN="approver-token", COLUMNS="200")
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60)
    report = next((line for line in done.stderr.splitlines() if line.startswith(MARK)), None)
    assert report is not None, f"the probe did not report (exit {done.returncode}):\n{done.stderr[-2000:]}"
    answer = json.loads(report.removeprefix(MARK))
    assert answer["code"] == 0, f"release list exited {answer['code']}:\n{done.stdout}\n{done.stderr[-2000:]}"
    assert "r1" in done.stdout, f"release list did not print the release:\n{done.stdout}"
    loaded = {top: modules for top in NOT_FOR_A_READ if (modules := under(answer["modules"], [top]))}
    assert not loaded, (
        "`greenlight release list` loaded what only the services, `demo` or `up` need (import it inside the "
        "command that uses it): " + "; ".join(f"{top} ({len(mods)} modules, e.g. {mods[0]})"
                                              for top, mods in loaded.items()))
