"""Which repositories and refs Greenlight will touch, checked before any git command runs."""

from __future__ import annotations

import re
from pathlib import Path

from services.shared.repo_policy import RepositoryNotAllowed, RepositoryPolicy
from services.shared.repo_remotes import SCP_LIKE, RepositoryRefused, parse_remote

_SCHEMES = ("https://", "http://", "ssh://", "git://")
_SCP_LIKE = SCP_LIKE
# Also every non-ASCII character: no bidi override (U+202E) or look-alike can hide in a stored URL.
_FORBIDDEN = re.compile(r"[^\x21-\x7e]|[;|&$`<>\\\"'(){}*?!]")
# A host (after scheme:// and user@, or in user@host:path) starting with '-' reaches ssh as an option.
# What git takes for a URL (`is_url`); anything else with a colon before its first slash is scp-like ssh to git.
_GIT_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_OPTION_HOST = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@]*@)?|[^/@:]*@)-")
# git check-ref-format, plus no leading '-' so a ref can never be read as an option, and no shell
# metacharacters: git allows some (;|&$ and more) but no branch worth releasing needs them.
# (A name ending in `.lock` is no valid ref either, but asking for one is harmless: it is simply not found.)
_BAD_REF = re.compile(r"(^[-/.])|(\.\.)|(@\{)|([\x00-\x20\x7f~^:?*\[\\;|&$`<>\"'(){}!])|([/.]$)|(//)")


class UnsafeSource(ValueError):
    """A repository or ref Greenlight refuses; the message says why."""


class SourceNotAllowed(UnsafeSource):
    """Well formed, but outside what the operator allows (local paths, schemes, hosts, addresses)."""


def check_repository(repository: str, *, allow_local: bool, policy: RepositoryPolicy | None = None) -> str:
    if not repository or len(repository) > 500:
        raise UnsafeSource("repository must be 1-500 characters")
    if repository.startswith("-"):
        raise UnsafeSource("repository must not start with '-' (it would be read as an option)")
    if "::" in repository:
        raise UnsafeSource("transport helpers such as 'ext::' are not allowed")
    if _FORBIDDEN.search(repository):
        raise UnsafeSource("repository contains whitespace, non-ASCII characters, quotes or shell metacharacters")
    if _OPTION_HOST.match(repository):
        raise UnsafeSource("repository host must not start with '-' (ssh would read it as an option)")
    if _git_reads_as_ssh(repository) and not _SCP_LIKE.match(repository):
        raise UnsafeSource("git would read this as an ssh remote host:path; write it as user@host:path or ssh://")
    if repository.startswith(_SCHEMES) or _SCP_LIKE.match(repository):
        try:
            (policy or RepositoryPolicy()).rule_for(parse_remote(repository))
        except RepositoryNotAllowed as exc:
            raise SourceNotAllowed(str(exc)) from None
        except RepositoryRefused as exc:
            raise UnsafeSource(str(exc)) from None
        return repository
    if repository.startswith("file://") or repository.startswith(("/", ".")) or "://" not in repository:
        if not allow_local:
            raise SourceNotAllowed("local repositories are disabled (set GREENLIGHT_ALLOW_LOCAL_REPOS=true)")
        return repository
    raise UnsafeSource(f"unsupported repository scheme; use one of {', '.join(_SCHEMES)} or user@host:path")


def check_ref(ref: str) -> str:
    if not ref or len(ref) > 255 or _BAD_REF.search(ref):
        raise UnsafeSource(f"{ref!r} is neither a commit SHA nor a valid branch or tag name")
    return ref


def local_path(repository: str) -> Path | None:
    if repository.startswith("file://"):
        return Path(repository.removeprefix("file://"))
    if "://" in repository or _git_reads_as_ssh(repository):
        return None
    return Path(repository)


def _git_reads_as_ssh(repository: str) -> bool:
    """git's own test (`url_is_local_not_ssh`): a colon before any slash makes `host:path` an ssh remote, with or
    without `user@`, so it must meet the host policy and never pass for a local path."""
    if _GIT_URL.match(repository):
        return False
    colon, slash = repository.find(":"), repository.find("/")
    return colon != -1 and (slash == -1 or colon < slash)
