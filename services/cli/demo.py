"""`greenlight demo`: release the events app from this repository's own history, step by step, to live.

It talks only to the approval API (GREENLIGHT_URL), as the requester and, with --auto-approve, as the
approver (the dev tokens by default). Safe to re-run: a commit already live is reported, not released
again, and a release of the app already in flight is followed instead of a new one being refused.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.text import Text

from services.cli import render
from services.cli.client import DEFAULT_URL, ApiError, GreenlightClient
from services.cli.credentials import Typed, in_ps, mark_typed, url_in_ps
from services.cli.demo_follow import APPROVER_ENV, REQUESTER_ENV, REQUESTER_SOURCE, follow_release
from services.cli.loopback import direct_mounts
from services.shared.redact import redact_url

if TYPE_CHECKING:
    from services.shared.platforms import PlatformSettings

REPO = Path(__file__).resolve().parents[2]


def run_demo(url: str = DEFAULT_URL, *, app: str = "tmapp", repository: str | None = None, commit: str = "HEAD",
             requester_token: str = "requester-token", approver_token: str = "approver-token",
             auto_approve: bool = False, console: Console | None = None) -> int:
    """0 once the commit is live (or already was), 1 if the release failed or was rejected."""
    console = console or render.out()
    repository = repository or str(REPO)
    try:
        sha = subprocess.run(["git", "-C", repository, "rev-parse", "--verify", f"{commit}^{{commit}}"],
                             capture_output=True, text=True, check=True, timeout=15).stdout.strip()
        with GreenlightClient(url, requester_token, token_source=REQUESTER_SOURCE) as client:
            release = _release_to_follow(client, app, repository, sha, console)
            if release is None:
                _urls(console, url, app)
                return 0
            code = follow_release(client, release, url, approver_token if auto_approve else None, console)
            if code == 0:
                _urls(console, url, release["app"])
            return code
    except (OSError, subprocess.SubprocessError):
        render.error(f"{repository} has no commit {commit!r}: run the demo from a git checkout of Greenlight")
    except ApiError as exc:
        render.error(exc)
        if exc.status is None:
            render.note("start Greenlight with scripts/demo.sh (or `greenlight up` in another terminal)", "dim")
    return 1


def _release_to_follow(client: GreenlightClient, app: str, repository: str, sha: str,
                       console: Console) -> dict[str, Any] | None:
    state = client.get_app(app)
    live = state.get("live_release") or {}
    if state.get("in_flight"):
        release: dict[str, Any] = state["in_flight"]
        console.print(Text(f"a release of {app} is already in flight ({release['state']}): following it", "yellow"))
        return release
    if live.get("commit") == sha:
        problem = _not_served(app)
        if problem is None:
            console.print(Text(f"{app} already runs {sha[:12]} (release {live['id']}): nothing to release",
                               "green"))
            return None
        console.print(Text(f"release {live['id']} of {sha[:12]} is live, but {problem}: the platform lost it "
                           "(HAProxy or the containers were reset?), so it is released again", "yellow"))
    release = client.create_release(app, repository, sha)
    console.print(Text(f"release {release['id']} requested: {app} at {sha[:12]} from {repository}", "bold"))
    return release


def _not_served(app: str) -> str | None:
    """Why the local live URL does not serve the app (None when it does, or off the local platform)."""
    platform = _on_the_local_platform()
    if platform is None:
        return None
    url = platform.local.live_url(app)
    # Asked by address with the Host header HAProxy routes on: *.localhost names resolve in browsers only.
    try:
        served = f"http://{platform.local.public_host}:{platform.local.live_port}/"
        with httpx.Client(timeout=5, mounts=direct_mounts(served)) as client:  # loopback: past any proxy
            status = client.get(served, headers={"Host": platform.local.host_of(app)}).status_code
    except httpx.HTTPError as exc:
        return f"{url} does not answer ({type(exc).__name__})"
    return None if status < 500 else f"{url} answers {status}"


def _on_the_local_platform() -> PlatformSettings | None:
    """The services' platform settings when they drive the local platform; None on Kubernetes."""
    # Imported here: the platform choice loads the services' runtime (SQLAlchemy, aiohttp, the Kubernetes settings),
    # over a second of CPU that every other command would pay at start-up; only the demo reads it.
    from services.shared.kube.settings import KubeSettings
    from services.shared.platforms import PlatformSettings, chosen

    platform = PlatformSettings()
    return platform if chosen(platform.platform, KubeSettings()) == "local" else None


def _urls(console: Console, url: str, app: str) -> None:
    platform = _on_the_local_platform()
    if platform is not None:
        console.print(Text(f"live:      {platform.local.live_url(app)}", "bold green"))
        console.print(Text(f"preview:   {platform.local.preview_url(app)}  (the colour staged last)"))
    else:
        console.print(Text(f"live:      the Service of {app} in the cluster (kubectl get svc)", "bold green"))
    console.print(Text(f"dashboard: {redact_url(url)}/  (sign in with approver-token)"))


def demo(
    auto_approve: Annotated[bool, typer.Option("--auto-approve", help="approve as dev-approver, unattended")] = False,
    app: Annotated[str, typer.Option("--app", metavar="APP", help="app name the events app is released as")] = "tmapp",
    commit: Annotated[str, typer.Option("--commit", metavar="COMMIT",
                                        help="commit, branch or tag of this repository")] = "HEAD",
    url: Annotated[str, typer.Option("--url", envvar="GREENLIGHT_URL", metavar="URL", callback=mark_typed,
                                     help="approval API")] = DEFAULT_URL,
    requester_token: Annotated[str, typer.Option(envvar=REQUESTER_ENV, metavar="TOKEN", callback=mark_typed,
                                                 help="who requests (a dev token by default)")] = "requester-token",
    approver_token: Annotated[str, typer.Option(envvar=APPROVER_ENV, metavar="TOKEN", callback=mark_typed,
                                                help="who approves with --auto-approve")] = "approver-token",
) -> None:
    """Release the events app from this repository: build, push, deploy standby, approval, switch."""
    url_in_ps(url)
    for option, token, variable in (("--requester-token", requester_token, REQUESTER_ENV),
                                    ("--approver-token", approver_token, APPROVER_ENV)):
        if isinstance(token, Typed):
            in_ps(option, f"set {variable} instead")
    raise typer.Exit(run_demo(url, app=app, commit=commit, requester_token=requester_token,
                              approver_token=approver_token, auto_approve=auto_approve))


if __name__ == "__main__":
    typer.run(demo)
