"""The Amazon ECR adapter: tokens and repositories through aiobotocore, with the default AWS chain.

Credentials come from the standard chain (env, profile, web identity, instance role) and the endpoint
from the standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_ECR variables, so no AWS setting is ours."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import structlog
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError  # EndpointConnectionError, timeouts
from pydantic import SecretStr

from services.shared.registry.auth import Login, TagState
from services.shared.registry.errors import RegistryRefused, TransientRegistryError

log = structlog.get_logger(__name__)
_TRANSIENT_CODES = {"ThrottlingException", "ServiceUnavailableException", "ServerException",
                    "InternalServerError", "RequestTimeout"}


@contextlib.asynccontextmanager
async def ecr_client(region: str | None) -> AsyncIterator[Any]:
    async with get_session().create_client("ecr", region_name=region) as client:
        yield client


class EcrAuth:
    def __init__(self, client: Any, *, registry_id: str | None, create_repositories: bool,
                 tag_mutability: str, registry_override: str | None) -> None:
        self.client = client
        self.registry_id = registry_id
        self.create_repositories = create_repositories
        self.tag_mutability = tag_mutability
        self.registry_override = registry_override
        self._cached: tuple[Login, datetime] | None = None

    def _ids(self) -> dict[str, Any]:
        return {"registryId": self.registry_id} if self.registry_id else {}

    async def login(self) -> Login:
        now = datetime.now(UTC)
        if self._cached is not None and self._cached[1] > now:
            return self._cached[0]
        ids = {"registryIds": [self.registry_id]} if self.registry_id else {}
        try:
            data = (await _call(self.client.get_authorization_token(**ids)))["authorizationData"][0]
        except ClientError as exc:  # keys ECR does not know, no permission: a refusal, never retried
            raise _refused(exc) from exc
        username, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
        registry = self.registry_override or urlparse(data["proxyEndpoint"]).netloc
        login = Login(registry=registry, username=username, password=SecretStr(password))
        # Tokens last 12 hours; renew well before, and never trust a clock-skewed past expiry.
        expires = data.get("expiresAt") or now
        self._cached = (login, min(expires - timedelta(minutes=30), now + timedelta(hours=6)))
        return login

    def forget(self, login: Login) -> None:
        # Only if it is still the cached one: a concurrent handler may have renewed it already.
        if self._cached is not None and self._cached[0] is login:
            self._cached = None

    async def prepare(self, repository: str, tag: str) -> TagState:
        try:
            mutability = await self._mutability(repository)
        except ClientError as exc:
            if _code(exc) != "RepositoryNotFoundException":
                raise _refused(exc) from exc
            mutability = await self._create(repository)
        try:
            images = await _call(self.client.describe_images(
                repositoryName=repository, imageIds=[{"imageTag": tag}], **self._ids()))
            digest = images["imageDetails"][0].get("imageDigest") if images["imageDetails"] else None
        except ClientError as exc:
            if _code(exc) != "ImageNotFoundException":
                raise _refused(exc) from exc
            digest = None
        return TagState(immutable=str(mutability).startswith("IMMUTABLE"), digest=digest)

    async def _create(self, repository: str) -> str:
        if not self.create_repositories:
            raise RegistryRefused(f"ECR repository {repository!r} does not exist and creating repositories "
                                  "is off (GREENLIGHT_PUSHER_ECR_CREATE_REPOSITORIES)")
        try:
            created = await _call(self.client.create_repository(
                repositoryName=repository, imageTagMutability=self.tag_mutability, **self._ids()))
        except ClientError as exc:
            if _code(exc) != "RepositoryAlreadyExistsException":  # a concurrent pusher won the race
                raise _refused(exc) from exc
            return await self._mutability(repository)
        log.info("created ECR repository", repository=repository, tag_mutability=self.tag_mutability)
        return str(created["repository"].get("imageTagMutability", self.tag_mutability))

    async def _mutability(self, repository: str) -> str:
        found = await _call(self.client.describe_repositories(repositoryNames=[repository], **self._ids()))
        return str(found["repositories"][0].get("imageTagMutability", "MUTABLE"))


async def _call(request: Any) -> Any:
    """One ECR API call; network failures and throttling become transient, other errors pass on."""
    try:
        return await request
    except (BotoConnectionError, HTTPClientError, ConnectionError) as exc:
        # Not only a refused connect: a connect or read timeout and a connection closed before the answer
        # (HTTPClientError) are ECR unavailable too. Other BotoCoreErrors (no credentials...) are config faults.
        raise TransientRegistryError(f"ECR API unreachable: {exc}") from exc
    except ClientError as exc:
        if _code(exc) in _TRANSIENT_CODES or exc.response.get("ResponseMetadata", {}).get(
                "HTTPStatusCode", 0) >= 500:
            raise TransientRegistryError(f"ECR API: {exc}") from exc
        raise
    except BotoCoreError as exc:  # e.g. no credentials in the chain: a configuration fault
        raise RegistryRefused(f"ECR: {exc}") from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _refused(exc: ClientError) -> RegistryRefused:
    message = exc.response.get("Error", {}).get("Message") or str(exc)
    return RegistryRefused(f"ECR refused ({_code(exc)}): {message}")
