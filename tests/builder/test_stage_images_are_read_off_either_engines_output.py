"""The images a build's earlier stages ended in are read off podman's and Docker's build output alike, and output a
RUN prints cannot make the list grow without bound.

The two transcripts are the engines' own wording (podman 4.3 here; Docker's classic builder, which its API runs,
as `docker build` prints it with BuildKit off): Docker cannot run on this machine.
"""

from __future__ import annotations

from services.builder.stage_images import MAX_STAGES, StageImages

PODMAN = """\
[1/2] STEP 1/4: FROM localhost/greenlight/busybox:1.35 AS build
[1/2] STEP 2/4: LABEL stage=build
--> Using cache fa4fffe2c1688562b28365e769650e6efe75147e9904af7dd00f61ff764fbc79
--> fa4fffe2c16
[1/2] STEP 3/4: RUN echo cached > /cached.txt
--> a152a2059ee
[1/2] STEP 4/4: COPY app.txt /src/app.txt
--> 69cb292d15c
[2/2] STEP 1/2: FROM localhost/greenlight/busybox:1.35
[2/2] STEP 2/2: COPY --from=build /src/app.txt /app.txt
[2/2] COMMIT app:1
--> 3ef08f278a2
Successfully tagged localhost/app:1
3ef08f278a2a1d9fc1fb0e5f0d4c1e0f3d0f7a3b1c2d3e4f5a6b7c8d9e0f1a2b
"""

DOCKER = """\
Step 1/7 : FROM busybox:1.35 AS build
 ---> 2711c0d3e4f5
Step 2/7 : RUN echo cached > /cached.txt
 ---> Using cache
 ---> 8a5ee5277a71
Step 3/7 : COPY app.txt /src/app.txt
 ---> 1d1c497375c6
Step 4/7 : FROM busybox:1.35 AS test
 ---> 2711c0d3e4f5
Step 5/7 : RUN true
 ---> Running in 0123456789ab
Removing intermediate container 0123456789ab
 ---> e99da753484a
Step 6/7 : FROM busybox:1.35
 ---> 2711c0d3e4f5
Step 7/7 : COPY --from=build /src/app.txt /app.txt
 ---> e3e5f7cb6ffa
Successfully built e3e5f7cb6ffa
"""


def read(output: str) -> tuple[str, ...]:
    stages = StageImages()
    for line in output.splitlines():
        stages.feed(line)
    return stages.ended


def test_podmans_stage_images() -> None:
    assert read(PODMAN) == ("69cb292d15c",)


def test_dockers_stage_images() -> None:
    assert read(DOCKER) == ("1d1c497375c6", "e99da753484a")


def test_a_stage_of_a_from_alone_names_no_base_image() -> None:
    """Docker prints the base image's id after a FROM: a stage with no step of its own ended in nothing built."""
    tools = "Step 1/3 : FROM busybox@sha256:0123 AS tools\n ---> 2711c0d3e4f5\nStep 2/3 : FROM busybox:1.35\n" \
            " ---> 2711c0d3e4f5\nStep 3/3 : COPY --from=tools /bin/sh /sh\n ---> e3e5f7cb6ffa\n"
    assert read(tools) == ()


def test_a_single_stage_build_has_none() -> None:
    assert read("STEP 1/2: FROM busybox\nSTEP 2/2: RUN true\n--> 0123456789ab\nCOMMIT app:1\n--> 0123456789ab\n") == ()


def test_a_run_printing_stages_is_bounded() -> None:
    crafted = "".join(f"Step 1/2 : FROM x\nStep 2/2 : RUN y\n--> {n:012x}\n" for n in range(10 * MAX_STAGES))
    assert len(read(crafted)) == MAX_STAGES
