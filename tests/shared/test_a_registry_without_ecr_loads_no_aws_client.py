"""The builder and the pusher start without loading the AWS client (aiobotocore, botocore: ~0.1 s of each start-up)
unless their registry is Amazon ECR: it is loaded when `open_auth` opens an ECR registry
(services/shared/registry/settings.py)."""

from __future__ import annotations

from tests.loaded_modules import loaded_by, plain_environment, under

AWS = ("aiobotocore", "botocore", "services.shared.registry.ecr")


async def test_the_builder_and_pusher_load_no_aws_client_with_a_static_registry() -> None:
    modules = await loaded_by(
        "import services.builder.__main__, services.pusher.__main__\n"
        "from services.builder.settings import BuilderSettings; from services.pusher.settings import PusherSettings\n"
        "BuilderSettings(); PusherSettings()", plain_environment())  # registry_auth: static
    loaded = under(modules, AWS)
    assert not loaded, f"the builder or pusher loaded the AWS client with a static registry: {loaded[:8]}"
