"""The builder and the pusher start without loading the AWS client (aiobotocore, botocore: ~0.1 s of each start-up)
unless their registry is Amazon ECR: it is loaded when `open_auth` opens an ECR registry
(services/shared/registry/settings.py)."""

from __future__ import annotations

import asyncio
import json
import os
import sys

AWS = ("aiobotocore", "botocore", "services.shared.registry.ecr")


async def test_the_builder_and_pusher_load_no_aws_client_with_a_static_registry() -> None:
    probe = ("import json, sys; import services.builder.__main__, services.pusher.__main__; "
             "from services.builder.settings import BuilderSettings; from services.pusher.settings import "
             "PusherSettings; BuilderSettings(); PusherSettings(); print(json.dumps(sorted(sys.modules)))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENLIGHT_")}  # registry_auth: static
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", probe, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-1500:]
    modules = json.loads(out.decode().strip().splitlines()[-1])
    loaded = [m for m in modules if any(m == top or m.startswith(f"{top}.") for top in AWS)]
    assert not loaded, f"the builder or pusher loaded the AWS client with a static registry: {loaded[:8]}"
