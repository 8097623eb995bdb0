"""How git reaches a remote: its host resolved once, every address checked, git pinned to one of them.

Checking a name and letting git resolve it again would let DNS answer differently the second time
(rebinding); so git is told the address we checked: curl's resolve list for http(s), the address itself
for git://, ssh's HostName (with the name kept as HostKeyAlias for known_hosts) for ssh. Redirects are
off, since a redirect would lead git to a host nobody checked. git's own words never reach a caller:
`classify` turns them into a short reason.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.shared.repo_policy import RepositoryPolicy
from services.shared.repo_remotes import Remote, RepositoryRefused, parse_remote

_REASONS = (  # (what git's stderr says, what a caller is told), first match wins
    (("could not resolve host", "name or service not known", "no address associated"), "host not found"),
    (("connection refused", "unable to connect", "failed to connect", "connection timed out",
      "no route to host", "network is unreachable"), "cannot connect to the repository's host"),
    # HTTP statuses as git words them ("The requested URL returned error: 403"): a bare "403" also matched a
    # path such as /tmp/pytest-403/ in git's message about a missing local repository.
    (("authentication failed", "could not read username", "terminal prompts disabled", "permission denied",
      "error: 403", "error: 401"), "the repository needs credentials that were not accepted"),
    (("ssl", "certificate", "tls"), "TLS connection to the repository failed"),
    (("repository not found", "not found", "does not appear to be a git repository", "error: 404"),
     "repository not found"),
)


class SourceTimeout(Exception):
    """The repository did not answer in time."""


@dataclass(frozen=True)
class GitTarget:
    """What to hand git: the URL, `-c` options and environment additions (all checked, none secret)."""

    url: str
    config: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


def classify(stderr: str) -> str:
    said = stderr.lower()
    for needles, reason in _REASONS:
        if any(n in said for n in needles):
            return reason
    return "the repository could not be read"


async def pin(repository: str, policy: RepositoryPolicy, *, local: bool, credential_helper: str | None = None,
              proxy: str | None = None) -> GitTarget:
    """The target git may use. Raises RepositoryRefused for a disallowed host or address, SourceTimeout
    when the name cannot be resolved in time (the caller's timeout bounds this). `proxy`, the operator's
    GREENLIGHT_REPOSITORY_PROXY, takes http(s) there unresolved: that proxy decides which address is reached."""
    helper = ("-c", "credential.helper=", "-c", f"credential.helper={credential_helper}") \
        if credential_helper else ()
    if local:
        return GitTarget(repository)
    remote = parse_remote(repository)
    rule = policy.rule_for(remote)
    if proxy and remote.scheme in ("http", "https"):
        return GitTarget(repository, (*helper, "-c", f"http.proxy={proxy}", "-c", "http.followRedirects=false"),
                         _proxy_for(repository, proxy))
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(remote.host, remote.port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise RepositoryRefused("host not found") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not addresses:
        raise RepositoryRefused("host not found")
    for address in addresses:
        policy.check_address(rule, address)
    return _pinned(repository, remote, str(addresses[0]), helper)


def _pinned(repository: str, remote: Remote, address: str, helper: tuple[str, ...]) -> GitTarget:
    bracketed = f"[{address}]" if ":" in address else address
    if remote.scheme in ("http", "https"):
        # An empty http.proxy: no proxy at all, the *_proxy variables included (curl's rule).
        return GitTarget(repository, (*helper, "-c", f"http.curloptResolve={remote.host}:{remote.port}:{bracketed}",
                                      "-c", "http.proxy=", "-c", "http.followRedirects=false"),
                         _proxy_for(repository, ""))
    if remote.scheme == "git":
        return GitTarget(f"git://{bracketed}:{remote.port}{remote.path}", helper)
    ssh = os.environ.get("GIT_SSH_COMMAND", "ssh")
    return GitTarget(repository, helper, {
        "GIT_SSH_COMMAND": f"{ssh} -o BatchMode=yes -o HostName={address} -o HostKeyAlias={remote.host}",
        "GIT_SSH_VARIANT": "ssh",
    })


def _proxy_for(repository: str, proxy: str) -> dict[str, str]:
    """`http.<this repository>.proxy`, so that no `http.<url>.proxy` of the user's git config outranks http.proxy.
    Through the environment, where key and value stay apart: a `-c` splits at the first `=`, which a path may hold
    (`https://h/.proxy=http://169.254.169.254/x.git` would have set a proxy of its own choosing)."""
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"http.{repository}.proxy", "GIT_CONFIG_VALUE_0": proxy}
