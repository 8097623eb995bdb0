"""`greenlight release create --watch` shows the build's steps while the build runs, between `building`
and `built`. The build waits at a gate (a RUN step polling a loopback port) until the CLI's stream is open."""

from __future__ import annotations

import asyncio
import socket

from typer.testing import CliRunner

from services.cli.main import app as cli_app
from services.shared.protocol import ReleaseState as S
from tests.e2e.stack import APPROVER, REQUESTER, Stack
from tests.fixtures.apps import webapp_files
from tests.fixtures_repo import make_repo

GATED = """FROM localhost/greenlight/busybox:1.35
COPY www /www
RUN until nc -w 2 127.0.0.1 {port} </dev/null; do sleep 0.1; done
COPY serve.sh /serve.sh
CMD ["sh", "/serve.sh"]
"""


async def test_watch_prints_build_progress(stack: Stack, tmp_path, app_name: str) -> None:  # type: ignore[no-untyped-def]
    gate = socket.socket()
    gate.bind(("127.0.0.1", 0))  # bound, not listening: the build's RUN step is refused until we open it
    port = gate.getsockname()[1]
    repo, sha = make_repo(tmp_path / "gated", webapp_files(extra={"Dockerfile": GATED.format(port=port),
                                                                  "greenlight.yaml": "replicas: 1\n"}))
    env = {"GREENLIGHT_URL": stack.api, "GREENLIGHT_TOKEN": REQUESTER, "COLUMNS": "200"}
    watching = asyncio.create_task(asyncio.to_thread(
        CliRunner().invoke, cli_app, ["release", "create", "--app", app_name, "--repo", repo.url, "--commit", sha,
                                      "--watch"], env=env, catch_exceptions=False))
    server = None
    try:
        await asyncio.wait_for(stack.feed.listened.wait(), 60)  # the CLI's event stream is open on the API
        server = await asyncio.start_server(lambda _r, w: w.close(), sock=gate)
        [release] = await stack.releases_of(app_name)
        release_id = release.id
        staged = await stack.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
        assert staged.state is S.AWAITING_APPROVAL, staged.error
        async with stack.client(APPROVER) as client:
            assert (await client.post(f"/releases/{release_id}/approve", json={})).status_code == 200
        result = await asyncio.wait_for(watching, 60)
    finally:
        if server is not None:
            server.close()
        gate.close()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    building = next(i for i, line in enumerate(lines) if " building" in line)
    built = next(i for i, line in enumerate(lines) if " built" in line)
    shown = [line for line in lines[building:built] if line.strip().startswith("build ")]
    assert shown, result.output
    assert any("RUN until nc" in line or "COPY serve.sh" in line or "LABEL" in line for line in shown), shown
