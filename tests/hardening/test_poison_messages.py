"""1,000 poison messages in every worker's queue while releases flow: all dead-lettered with a reason."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from collections import Counter

import aio_pika

from services.shared.bus import REASON_HEADER
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.stack import Driver, in_process_stack
from tests.harness import dead_letters, dlq_depth, make_release, observer
from tests.noop.apps import WORKERS
from tests.noop.ledger import Ledger

POISON = 1000
RELEASES = 10
VALID = json.loads(first_event(make_release("p1", "poison"), actor="ann").dumps())


def poison(n: int, rng: random.Random) -> tuple[str, bytes]:
    """The n-th poison message: (kind, body); every kind the consumer must refuse."""
    kinds = ["random bytes", "truncated JSON", "wrong schema", "unknown state", "newer schema version",
             "older schema version", "not an object", "envelope disagrees"]
    if n < len(WORKERS):
        return "10 MB body", b"{" + b" " * (10 * 1024 * 1024) + b"}"
    kind = kinds[n % len(kinds)]
    body: object
    if kind == "random bytes":
        return kind, rng.randbytes(rng.randint(1, 2000))
    if kind == "truncated JSON":
        text = json.dumps(VALID).encode()
        return kind, text[: rng.randint(1, len(text) - 1)]
    if kind == "wrong schema":
        body = {"schema_version": 1, "release_id": 42, "seq": "first", "app": ["x"]}
    elif kind == "unknown state":
        body = {**VALID, "state": "exploded", "release": {**VALID["release"], "state": "exploded"}}
    elif kind == "newer schema version":
        body = {**VALID, "schema_version": 99}
    elif kind == "older schema version":
        body = {**VALID, "schema_version": 0}
    elif kind == "not an object":
        body = [VALID]
    else:
        body = {**VALID, "release_id": "someone-else"}
    return kind, json.dumps(body).encode()


async def publish_poison(bus: BusSettings, sent: Counter[bytes]) -> Counter[str]:
    rng = random.Random(8)
    kinds: Counter[str] = Counter()
    connection = await aio_pika.connect(bus.amqp_url.get_secret_value(),
                                        client_properties={"connection_name": "gltest-poisoner"})
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        for n in range(POISON):
            kind, body = poison(n, rng)
            queue = f"{bus.queue_prefix}{WORKERS[n % len(WORKERS)]}"
            await channel.default_exchange.publish(
                aio_pika.Message(body, message_id=f"poison-{n}", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                queue, mandatory=True)
            kinds[kind] += 1
            sent[hashlib.sha256(body).digest()] += 1
    return kinds


async def test_poison_is_dead_lettered_and_releases_finish(bus_settings: BusSettings, ledger: Ledger) -> None:
    started = time.perf_counter()
    sent: Counter[bytes] = Counter()
    async with observer(bus_settings) as store, in_process_stack(bus_settings, ledger) as api:
        driver = Driver(api, store)
        kinds, *releases = await asyncio.gather(
            publish_poison(bus_settings, sent), *(driver.ship(f"ok-{n}") for n in range(RELEASES)))
        dead = await dead_letters(bus_settings, POISON, timeout=120)
        left = await dlq_depth(bus_settings)  # nothing but the poison: no valid release was dead-lettered
        after = await driver.ship("after-poison")  # the services still run
    assert [r.state for r in releases] == [S.LIVE] * RELEASES and after.state is S.LIVE
    assert_each_effect_once(ledger, [*releases, after])
    reasons = [str((m.headers or {}).get(REASON_HEADER) or "") for m in dead]
    assert all(reasons), "a dead letter without a reason"
    assert left == 0
    assert Counter(hashlib.sha256(m.body).digest() for m in dead) == sent
    queues = Counter(str((m.headers or {}).get("x-original-queue")).rsplit(".", 1)[-1] for m in dead)
    assert queues == {w: POISON // len(WORKERS) for w in WORKERS}
    big = [r for m, r in zip(dead, reasons, strict=True) if len(m.body) > 1_000_000]
    assert len(big) == len(WORKERS) and all("exceeds" in r for r in big)
    print(f"\n{POISON} poison {dict(kinds)} -> {len(dead)} dead-lettered {dict(queues)}; "
          f"{RELEASES + 1} releases live; {time.perf_counter() - started:.1f}s; sample reasons: "
          f"{sorted({r.split(': ', 1)[1][:60] for r in reasons})[:8]}")
