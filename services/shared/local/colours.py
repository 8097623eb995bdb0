"""One colour of an app as a container: made to match its mark, and probed for readiness.

Locally a colour is one container whatever `replicas` says; the mark keeps the desired count so the
deployer and switcher reason as on Kubernetes (0 = stopped, kept for a fast restart; >0 = running).
Containers share the host network, so each colour listens on its own port, given as PORT.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp

from services.shared.local.container_contract import ContainerInfo, Containers, ContainerSpec
from services.shared.local.marks import ColourMark, MarkStore
from services.shared.local.settings import LocalSettings
from services.shared.platform import AppRef, ColourState, ColourStatus, NotReady, PlatformError
from services.shared.release import Colour

RELEASE_LABEL = "dev.greenlight.release-id"
IMAGE_LABEL = "dev.greenlight.image"
LOG_LINES = 40


class ColourRunner:
    def __init__(self, containers: Containers, http: aiohttp.ClientSession, marks: MarkStore,
                 settings: LocalSettings) -> None:
        self.containers = containers
        self.http = http
        self.marks = marks
        self.settings = settings

    async def converge(self, app: AppRef, colour: Colour, mark: ColourMark, port: int) -> None:
        """Make the container run the mark's release (recreated when it runs another), started iff
        replicas > 0; idempotent, so a redelivered deploy or scale finds nothing left to do."""
        name = self.settings.container_name(app.name, colour)
        info = await self.containers.inspect(name)
        if info is None or not runs_mark(info, mark):
            if mark.replicas == 0:
                # Another release's container (a deploy that failed before replacing it): no mark names it any
                # more, so nothing else would stop it; the mark's own image is pulled only when it is to run.
                if info is not None:
                    await self.containers.remove(name)
                return
            await self.containers.ensure_image(mark.image)
            await self.containers.replace(await self._spec(app, colour, mark, port), start=mark.replicas > 0)
        elif mark.replicas > 0 and not info.running:
            await self.containers.start(name)
        elif mark.replicas == 0 and info.running:
            await self.containers.stop(name, self.settings.stop_timeout)

    async def state(self, app: AppRef, colour: Colour, mark: ColourMark, port: int,
                    readiness_path: str) -> ColourState:
        ready = mark.replicas == 0  # as on Kubernetes: zero desired replicas is a finished rollout
        if not ready:
            info = await self.containers.inspect(self.settings.container_name(app.name, colour))
            ready = info is not None and runs_mark(info, mark) and info.running and \
                await self.probe(port, readiness_path) is None
        # The one container stands for every desired replica: all of them are ready, or none.
        return ColourState(colour=colour, release_id=mark.release_id, commit=mark.commit, image=mark.image,
                           status=mark.status, replicas=mark.replicas, ready=ready,
                           ready_replicas=mark.replicas if ready else 0)

    async def wait_ready(self, app: AppRef, colour: Colour, release_id: str, timeout: float) -> ColourState:
        name = self.settings.container_name(app.name, colour)
        loop = asyncio.get_running_loop()
        deadline, last = loop.time() + timeout, "its container does not exist yet"
        while True:
            record = await self.marks.load(app.name)
            mark = record.colours.get(colour) if record is not None else None
            if record is None or mark is None:
                raise NotReady(f"{name} does not exist")
            if mark.release_id != release_id:
                raise NotReady(f"{name} was taken over by release {mark.release_id}")
            # Freed under the wait (its release ended, seen by another process): stopped, it would read as a
            # finished rollout of zero replicas; not stopped yet, as ready. Zero replicas alone is finished.
            if mark.status is ColourStatus.RELEASED:
                raise NotReady(f"{name} was freed: release {release_id} ended while it rolled out")
            if mark.replicas == 0:
                return await self.state(app, colour, mark, record.ports[colour], record.readiness_path_of(colour))
            info = await self.containers.inspect(name)
            if info is not None and runs_mark(info, mark):
                if not info.running and info.status not in ("created", "configured", "initialized"):
                    raise NotReady(f"container {name} stopped ({info.status}, exit code {info.exit_code}) "
                                   "before it was ready", await self.containers.logs(name, LOG_LINES))
                path = record.readiness_path_of(colour)  # the path of the release on this colour
                last = await self.probe(record.ports[colour], path) or "ready"
                if last == "ready":
                    return await self.state(app, colour, mark, record.ports[colour], path)
            if loop.time() >= deadline:
                raise NotReady(f"{name} not ready within {timeout:g}s: {last}",
                               await self.containers.logs(name, LOG_LINES))
            await asyncio.sleep(0.2)

    async def probe(self, port: int, path: str) -> str | None:
        """None when the readiness path answers 200; otherwise what it did instead."""
        url = f"http://127.0.0.1:{port}{path}"
        try:
            async with self.http.get(url, timeout=aiohttp.ClientTimeout(total=self.settings.probe_timeout),
                                     allow_redirects=False) as response:
                return None if response.status == 200 else f"{url} answered {response.status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"{url} did not answer ({type(exc).__name__})"

    async def _spec(self, app: AppRef, colour: Colour, mark: ColourMark, port: int) -> ContainerSpec:
        env = {**app.spec.env, **await asyncio.to_thread(self._secret_env, app),
               "PORT": str(port), "APP_COLOR": colour.value, "APP_VERSION": mark.commit}
        labels = {"dev.greenlight.app": app.name, "dev.greenlight.colour": colour.value,
                  RELEASE_LABEL: mark.release_id, IMAGE_LABEL: mark.image}
        return ContainerSpec(self.settings.container_name(app.name, colour), mark.image, env, labels)

    def _secret_env(self, app: AppRef) -> dict[str, str]:
        """secret_env from the local secrets file; a missing secret refuses the deploy, as a missing Kubernetes
        Secret would keep the pod from starting, unless its reference is `optional`: then, as there, the variable is
        left unset. Blocking file IO: run in a thread."""
        if not app.spec.secret_env:
            return {}
        path = self.settings.secrets_path
        try:
            secrets = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            # No file is no secret at all, which optional references do without; a broken one is the operator's to fix.
            if isinstance(exc, FileNotFoundError) and all(ref.optional for ref in app.spec.secret_env.values()):
                return {}
            raise PlatformError(f"{app.name} needs secrets but {path} cannot be read ({exc.__class__.__name__}): "
                                'create it as {"<secret>": {"<key>": "<value>"}}') from None
        values = {}
        for env_name, ref in app.spec.secret_env.items():
            section = secrets.get(ref.secret) if isinstance(secrets, dict) else None
            value = section.get(ref.key) if isinstance(section, dict) else None
            if value is None and ref.optional:
                continue
            if not isinstance(value, str):  # its type named, never its value: there, but unusable, is not missing
                where = "is not in" if value is None else f"is a JSON {type(value).__name__}, not a string, in"
                raise PlatformError(f"secret {ref.secret}/{ref.key} (for {env_name}) {where} {path}")
            values[env_name] = value
        return values


def runs_mark(info: ContainerInfo, mark: ColourMark) -> bool:
    """The container was made for the mark's release and image (its labels), whether or not it runs now."""
    return info.labels.get(RELEASE_LABEL) == mark.release_id and info.labels.get(IMAGE_LABEL) == mark.image
