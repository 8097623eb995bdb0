"""Against a real cluster the default test images are enough for every `cluster` test."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fake_k8s.fixtures import CLUSTER_IMAGES, _fake_images

TESTS = Path(__file__).resolve().parents[1]


def test_the_default_images_cover_the_highest_index_any_test_uses() -> None:
    used = [int(n) for path in TESTS.rglob("test_*.py") for n in re.findall(r"images\[(\d+)\]", path.read_text())]
    needed = max(used) + 1
    assert len(CLUSTER_IMAGES.split(",")) >= needed
    assert len(_fake_images()) >= needed
