"""Labels written into the Dockerfile as one sorted line, for engines that would otherwise make them steps."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Mapping
from typing import IO

LABELLED_DOCKERFILE = ".greenlight.labelled.Dockerfile"


class LabellingFailed(Exception):
    """The context has no such Dockerfile: the build fails with this reason."""


def with_label_line(context: IO[bytes], dockerfile: str, labels: Mapping[str, str]) -> str:
    """The Dockerfile plus one `LABEL` line, added to the context archive; returns its name there.

    podman's `labels` parameter becomes one LABEL step per label, in Go's random map order: the image's
    history, hence its id, would differ from build to build (and each step costs a commit). One line,
    sorted, appended to the last stage (where `--label` puts them too) is the same on every build."""
    if not labels:
        return dockerfile
    context.seek(0)
    with tarfile.open(fileobj=context, mode="r") as tar:
        try:
            source = tar.extractfile(dockerfile)
        except KeyError:
            source = None
        if source is None:
            raise LabellingFailed(f"Dockerfile {dockerfile!r} is not a file in the build context")
        text = source.read()
    line = "LABEL " + " ".join(f"{json.dumps(k)}={json.dumps(v)}" for k, v in sorted(labels.items()))
    data = text.rstrip(b"\n") + b"\n" + line.encode() + b"\n"
    context.seek(0)
    with tarfile.open(fileobj=context, mode="a") as tar:
        info = tarfile.TarInfo(LABELLED_DOCKERFILE)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    return LABELLED_DOCKERFILE
