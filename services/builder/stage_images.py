"""The images a multi-stage build leaves behind: each stage but the last ends in an image of its own, untagged and
unlabelled (the build's labels go to the final image only), which the engine keeps as the next build's cache. One
per stage and build, never removed: a release a day of a Dockerfile with a `build` stage left 365 such images a year
on the engine, each holding that commit's sources and build output (retention.py removes an earlier build's).

Read off the build's output, the only place the engine names them: podman prints `--> <id>` after each step and
`[2/2] STEP 1/9: FROM …` where a stage begins, Docker's classic builder ` ---> <id>` and `Step 7/15 : FROM …`. The
last id before a stage's FROM is the stage that ended there. A RUN can print such lines too, so what is read here
is only ever a candidate: retention.py removes an image only if it is untagged, unused and childless, without force.
"""

from __future__ import annotations

import re

# `--> 8a5ee5277a7` (11 hex), `--> Using cache <64 hex>` (podman); ` ---> 8a5ee5277a71` (Docker). Sane lengths only.
_STEP_IMAGE = re.compile(r"^\s*-{1,3}> (?:Using cache )?(?P<id>[0-9a-f]{11,64})\s*$")
# podman prints "STEP 2/5: RUN ...", "[1/2] STEP 2/5: RUN ..." in a multi-stage build; Docker's classic builder
# "Step 2/5 : RUN ...". A RUN may print such a line too: numbers of a sane size only, as int() refuses a string of
# over 4,300 digits (and the output callback must not raise).
BUILD_STEP = re.compile(
    r"^(?:\[\d{1,4}/\d{1,4}\] )?(?:STEP|Step) (?P<n>\d{1,9})/(?P<of>\d{1,9})\s*:\s*(?P<instruction>\w*)")
MAX_STAGES = 64  # a Dockerfile's stages, at most, that are remembered: output crafted to name more is not followed


class StageImages:
    """Fed each line of one build's output; `ended` are the images its finished stages ended in."""

    def __init__(self) -> None:
        self._last: str | None = None  # the image the latest step ended in
        self._at_from = False  # the latest step is a FROM: an id now is its base image's (Docker prints it)
        self._ended: list[str] = []

    def feed(self, line: str) -> None:
        if match := _STEP_IMAGE.match(line):
            # A base image is no stage's: a stage of a FROM alone (`FROM x AS tools`) ended in nothing built.
            self._last = None if self._at_from else match["id"]
        elif step := BUILD_STEP.match(line):
            self._at_from = step["instruction"].upper() == "FROM"
            if self._at_from:
                if self._last is not None and self._last not in self._ended and len(self._ended) < MAX_STAGES:
                    self._ended.append(self._last)
                self._last = None  # the new stage's own steps follow

    @property
    def ended(self) -> tuple[str, ...]:
        return tuple(self._ended)
