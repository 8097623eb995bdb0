"""How to reach the target registry: the fields the builder (to look images up) and the pusher share.

Each service's settings class inherits them under its own prefix (GREENLIGHT_BUILDER_REGISTRY_AUTH,
GREENLIGHT_PUSHER_REGISTRY_AUTH, ...): the builder needs read access only, the pusher write access."""

from __future__ import annotations

import contextlib
import re
from typing import Annotated, Literal

import httpx
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from services.shared.registry.api import HttpRegistryApi
from services.shared.registry.auth import RegistryAuth, StaticAuth
from services.shared.registry.capped import DEFAULT_MAX_BYTES
from services.shared.registry.token import legal_token

# As image references spell them (distribution's reference grammar): a DNS name or [IPv6] with an optional port,
# then lower-case path components. Unchecked, a URL (`https://host`) or an upper-case namespace started fine
# and failed every release at its tag or push with the engine's "invalid reference format".
_HOSTNAME = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                       r"|\[[0-9A-Fa-f:.]+\])")
_HOST = re.compile(rf"{_HOSTNAME.pattern}(?::[0-9]{{1,5}})?")
_PATH = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REGISTRY = re.compile(rf"{_HOST.pattern}(?:/{_PATH})*")


class RegistryAccess(BaseSettings):
    registry_auth: Literal["static", "ecr"] = Field(
        "static", description="'static': `registry` with username/password or token; 'ecr': Amazon ECR",
    )
    registry: str = Field(
        "127.0.0.1:5001", description="static: host[:port][/namespace] images are pushed to",
    )
    registry_username: str | None = Field(None, description="static: registry user (default: anonymous)")
    registry_password: SecretStr | None = Field(None, description="static: that user's password")
    registry_token: SecretStr | None = Field(
        None, description="static: a registry bearer token instead of username/password")
    registry_scheme: Literal["auto", "https", "http"] = Field(
        "auto", description="scheme of the registry's v2 API; auto: http for loopback hosts, else https",
    )
    aws_region: str | None = Field(None, description="ecr: region (default: the AWS chain, e.g. AWS_REGION)")
    ecr_registry_id: str | None = Field(None, description="ecr: registry's account id (default: caller's)")
    ecr_registry_override: str | None = Field(
        None, description="ecr: use this host[:port] instead of the token's proxyEndpoint. For tests: "
                          "moto serves the ECR API but cannot hold image layers, so a registry stands in",
    )
    registry_token_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description=(
            "static: comma-separated host names besides the registry's own that its username/password may be sent "
            "to, to trade for a token, when its challenge names a realm there (e.g. auth.docker.io for Docker Hub); "
            "default none: a realm on another host is refused"))
    http_timeout: float = Field(30.0, gt=0, description="seconds one registry API call may take")
    registry_max_response_bytes: int = Field(
        DEFAULT_MAX_BYTES, ge=64 << 10, description=(
            "the most bytes one registry answer (a manifest, an image config, a token, a refusal) is read up to, "
            "after decoding; a larger one is refused. Default 4 MiB: the manifest size the OCI spec asks "
            "registries to accept"))

    # The value is never repeated in the message: a mistaken one may hold credentials (user:password@host).
    @field_validator("registry")
    @classmethod
    def _registry(cls, value: str) -> str:
        if not _REGISTRY.fullmatch(value := value.rstrip("/")):
            raise ValueError("must be host[:port][/namespace] as in image names: no scheme or credentials, a "
                             "lower-case namespace (e.g. registry.example.com/team)")
        return value

    @field_validator("registry_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not legal_token(value.get_secret_value()):
            raise ValueError("must be the token alone: no line break, space or non-ASCII character (a file's "
                             "trailing newline?)")
        return value

    @field_validator("ecr_registry_override")
    @classmethod
    def _override(cls, value: str | None) -> str | None:
        if value is not None and not _HOST.fullmatch(value := value.rstrip("/")):
            raise ValueError("must be host[:port] as in image names, no scheme or path (e.g. 127.0.0.1:5004)")
        return value

    @field_validator("registry_token_hosts", mode="before")
    @classmethod
    def _token_hosts(cls, value: object) -> object:
        hosts = [host.strip() for host in value.split(",") if host.strip()] if isinstance(value, str) else value
        if isinstance(hosts, list):
            if not all(isinstance(host, str) and _HOSTNAME.fullmatch(host) for host in hosts):
                raise ValueError("must be host names separated by commas, no scheme, port or path (e.g. "
                                 "auth.docker.io)")
            return [host.lower().strip("[]") for host in hosts]
        return hosts

    def secrets(self) -> list[str]:
        held = (self.registry_password, self.registry_token)
        return [secret.get_secret_value() for secret in held if secret is not None]


async def open_auth(settings: RegistryAccess, stack: contextlib.AsyncExitStack, *,
                    create_repositories: bool = False, tag_mutability: str = "IMMUTABLE") -> RegistryAuth:
    """The credentials adapter for `settings`; an ECR client lives as long as `stack`."""
    if settings.registry_auth == "static":
        return StaticAuth(settings.registry, settings.registry_username, settings.registry_password,
                          settings.registry_token)
    # Imported here: aiobotocore is ~0.1 s of the builder's and pusher's start-up, needed with ECR only.
    from services.shared.registry.ecr import EcrAuth, ecr_client

    client = await stack.enter_async_context(ecr_client(settings.aws_region))
    return EcrAuth(client, registry_id=settings.ecr_registry_id, create_repositories=create_repositories,
                   tag_mutability=tag_mutability, registry_override=settings.ecr_registry_override)


async def open_http(settings: RegistryAccess, stack: contextlib.AsyncExitStack) -> httpx.AsyncClient:
    return await stack.enter_async_context(httpx.AsyncClient(timeout=settings.http_timeout))


async def open_api(settings: RegistryAccess, stack: contextlib.AsyncExitStack) -> HttpRegistryApi:
    """The v2 API client of `settings`' registry; its HTTP client lives as long as `stack`."""
    setting = f"{settings.model_config.get('env_prefix', '')}REGISTRY_TOKEN_HOSTS"
    return HttpRegistryApi(await open_http(settings, stack), settings.registry_scheme,
                           token_hosts=settings.registry_token_hosts, token_hosts_setting=setting,
                           max_response_bytes=settings.registry_max_response_bytes)
