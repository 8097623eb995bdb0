"""Which repositories and refs Greenlight will touch, checked before any git command runs."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from services.shared.release import SHA_RE
from services.shared.transient import Retry

_SCHEMES = ("https://", "http://", "ssh://", "git://")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._/~-]+$")
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f;|&$`<>\\\"'(){}*?!]")
# A host (after scheme:// and user@, or in user@host:path) starting with '-' reaches ssh as an option.
_OPTION_HOST = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@]*@)?|[^/@:]*@)-")
# git check-ref-format, plus no leading '-' so a ref can never be read as an option, and no shell
# metacharacters: git allows some (;|&$ and more) but no branch worth releasing needs them.
_BAD_REF = re.compile(r"(^[-/.])|(\.\.)|(@\{)|([\x00-\x20\x7f~^:?*\[\\;|&$`<>\"'(){}!])|(\.lock$)|([/.]$)|(//)")

# What git prints when the server, not the request, is the problem: worth another try later.
_GIT_TRANSIENT = re.compile(
    r"could not resolve host|temporary failure in name resolution|connection refused|connection timed out|"
    r"connection reset|unable to connect|failed to connect|timed out|the remote end hung up|early eof|"
    r"rpc failed|returned error: (?:429|5\d\d)|http (?:429|5\d\d)|network is unreachable|no route to host",
    re.IGNORECASE,
)


class UnsafeSource(ValueError):
    """A repository or ref Greenlight refuses; the message says why."""


class GitUnavailable(Retry):
    """The git server could not be reached (DNS, refused, reset, 5xx, timeout): try again later."""

    dependency = "git server"


def git_unavailable(stderr: str) -> bool:
    return bool(_GIT_TRANSIENT.search(stderr))


def check_repository(repository: str, *, allow_local: bool) -> str:
    if not repository or len(repository) > 500:
        raise UnsafeSource("repository must be 1-500 characters")
    if repository.startswith("-"):
        raise UnsafeSource("repository must not start with '-' (it would be read as an option)")
    if "::" in repository:
        raise UnsafeSource("transport helpers such as 'ext::' are not allowed")
    if _FORBIDDEN.search(repository):
        raise UnsafeSource("repository contains whitespace, quotes or shell metacharacters")
    if _OPTION_HOST.match(repository):
        raise UnsafeSource("repository host must not start with '-' (ssh would read it as an option)")
    if repository.startswith(_SCHEMES) or _SCP_LIKE.match(repository):
        return repository
    if repository.startswith("file://") or repository.startswith(("/", ".")) or "://" not in repository:
        if not allow_local:
            raise UnsafeSource("local repositories are disabled (set GREENLIGHT_ALLOW_LOCAL_REPOS=true)")
        return repository
    raise UnsafeSource(f"unsupported repository scheme; use one of {', '.join(_SCHEMES)} or user@host:path")


def check_ref(ref: str) -> str:
    if not ref or len(ref) > 255 or _BAD_REF.search(ref):
        raise UnsafeSource(f"{ref!r} is neither a commit SHA nor a valid branch or tag name")
    return ref


def git_env() -> dict[str, str]:
    # Never prompt for credentials, and allow only ordinary transports even if config says otherwise.
    return {
        **os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false",
        "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh", "GIT_CONFIG_NOSYSTEM": "1",
    }


def local_path(repository: str) -> Path | None:
    if repository.startswith("file://"):
        return Path(repository.removeprefix("file://"))
    if "://" in repository or _SCP_LIKE.match(repository):
        return None
    return Path(repository)


async def resolve_ref(repository: str, ref: str, *, timeout: float = 30.0) -> str:
    """A full SHA is returned as is; a branch, tag or HEAD is resolved with `git ls-remote`."""
    check_ref(ref)
    if SHA_RE.match(ref):
        return ref
    process = await asyncio.create_subprocess_exec(
        "git", "ls-remote", "--", repository, ref, f"{ref}^{{}}", env=git_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise GitUnavailable(f"git ls-remote timed out after {timeout:.0f}s") from None
    if process.returncode != 0:
        text = err.decode(errors="replace").strip()[:300]
        if git_unavailable(text):
            raise GitUnavailable(f"git server unavailable: {text}")
        raise UnsafeSource(f"cannot read repository: {text}")
    candidates = {}
    for line in out.decode().splitlines():
        sha, _, name = line.partition("\t")
        candidates[name] = sha
    for name in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}"):
        if name in candidates:
            return candidates[name]
    raise UnsafeSource(f"{ref!r} is not a branch, tag or commit of {repository}")
