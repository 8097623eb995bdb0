"""Refs resolved against a remote repository (`git ls-remote`), git's environment, and git's failures in Greenlight's
words: the server's trouble (worth another try) told apart from the repository's. What may be asked for at all is
source_checks.py's, checked before any git command runs."""

from __future__ import annotations

import asyncio
import os
import re

import structlog

from services.shared.git_target import GitTarget, SourceTimeout, classify, pin
from services.shared.process_tree import kill_tree
from services.shared.release import SHA_RE
from services.shared.repo_policy import RepositoryNotAllowed, RepositoryPolicy
from services.shared.repo_remotes import RepositoryRefused
from services.shared.source_checks import SourceNotAllowed, UnsafeSource, check_ref, check_repository, local_path
from services.shared.transient import Retry

__all__ = [  # the checks (and SHA_RE) are imported from here too
    "SHA_RE", "GitUnavailable", "RepositoryUnreachable", "SourceNotAllowed", "UnsafeSource", "check_ref",
    "check_repository", "git_env", "git_unavailable", "local_path", "resolve_ref",
]

log = structlog.get_logger(__name__)
# Read by curl and git in either case (curl takes HTTP_PROXY in lower case only, the CGI `httpoxy` rule).
_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}

# What git prints when the server, not the request, is the problem: worth another try later.
_GIT_TRANSIENT = re.compile(
    r"could not resolve host|temporary failure in name resolution|connection refused|connection timed out|"
    r"connection reset|unable to connect|failed to connect|timed out|the remote end hung up|early eof|"
    r"rpc failed|returned error: (?:429|5\d\d)|http (?:429|5\d\d)|network is unreachable|no route to host",
    re.IGNORECASE,
)


class RepositoryUnreachable(UnsafeSource):
    """The repository could not be read; the message is a short classified reason, never git's output."""


class NoSuchRef(UnsafeSource):
    """The repository was read and has no branch, tag or commit of that name (a branch deleted since a push)."""


class GitUnavailable(Retry):
    """The git server could not be reached (DNS, refused, reset, 5xx, timeout): try again later."""

    dependency = "git server"


def git_unavailable(stderr: str) -> bool:
    return bool(_GIT_TRANSIENT.search(stderr))


def git_env() -> dict[str, str]:
    # Never prompt for credentials, and allow only ordinary transports even if config says otherwise. No proxy from
    # the environment: one resolves the host name itself, past the address check and the pinning (git_target.py);
    # an empty GIT_PROXY_COMMAND also outranks any core.gitProxy for git://.
    ambient = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARIABLES}
    return {
        **ambient, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false",
        "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh", "GIT_CONFIG_NOSYSTEM": "1", "GIT_PROXY_COMMAND": "",
    }


async def resolve_ref(repository: str, ref: str, *, allow_local: bool = False, timeout: float = 10.0,
                      policy: RepositoryPolicy | None = None, credential_helper: str | None = None,
                      proxy: str | None = None) -> str:
    """A full SHA is returned as is, without touching the network (the builder checks the host's
    addresses when it fetches); a branch, tag or HEAD is resolved with `git ls-remote` against the
    host's checked address. Raises SourceTimeout past `timeout` (DNS and git together).
    The repository is checked here (check_repository), whatever the caller did: a hook's configured
    repository reached git unchecked, a local path with local repositories off."""
    policy = policy or RepositoryPolicy()
    check_repository(repository, allow_local=allow_local, policy=policy)
    check_ref(ref)
    if SHA_RE.match(ref):
        return ref
    try:
        async with asyncio.timeout(timeout):
            target = await pin(repository, policy, local=local_path(repository) is not None,
                               credential_helper=credential_helper, proxy=proxy)
            out = await _ls_remote(target, ref)
    except TimeoutError:
        raise SourceTimeout(f"the repository did not answer within {timeout:.0f}s") from None
    except RepositoryNotAllowed as exc:
        raise SourceNotAllowed(str(exc)) from None
    except RepositoryRefused as exc:
        raise RepositoryUnreachable(str(exc)) from None
    return _pick(out, repository, ref)


async def _ls_remote(target: GitTarget, ref: str) -> bytes:
    process = await asyncio.create_subprocess_exec(
        "git", *target.config, "ls-remote", "--", target.url, ref, f"{ref}^{{}}", env={**git_env(), **target.env},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await process.communicate()
    finally:
        if process.returncode is None:  # cancelled by the timeout: the process must not outlive the request
            kill_tree(process)  # git's transport too, or waiting for git waits on the server it reads
            await process.wait()
    if process.returncode != 0:
        said = err.decode(errors="replace")
        log.info("git ls-remote failed", reason=classify(said), detail=said.strip()[-200:])
        if git_unavailable(said):  # the server's trouble: worth another try, still in our own words
            raise GitUnavailable(f"git server unavailable: {classify(said)}")
        raise RepositoryUnreachable(f"cannot read repository: {classify(said)}")
    return out


def _pick(out: bytes, repository: str, ref: str) -> str:
    candidates = {}
    for line in out.decode().splitlines():
        sha, _, name = line.partition("\t")
        candidates[name] = sha
    for name in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}"):
        if name in candidates:
            return candidates[name]
    raise NoSuchRef(f"{ref!r} is not a branch, tag or commit of {repository}")
