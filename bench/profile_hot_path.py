"""Profile the hottest path: N releases at once through every service in one process, no-op adapters.

    .venv/bin/python -m bench.profile_hot_path [--releases 300] [--html profile.html]

pyinstrument samples the whole event loop while the releases run from POST to live, so the report
shows where the orchestration itself spends its time (validation, JSON, logging, the store, aio-pika).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from pyinstrument import Profiler

from bench.orchestration_bench import Watch, bus_settings, inproc_stack, latency, throughput


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=300)
    parser.add_argument("--html", default=None, help="also write an HTML report here")
    args = parser.parse_args()
    # A database of its own, as orchestration_bench's modes: one database holds one release log's offsets, so the
    # default one (the demo's, under .local/) would refuse this run's log, or be filled with it.
    if "GREENLIGHT_DATABASE_URL" not in os.environ:  # one given is used as it is
        os.environ["GREENLIGHT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='glprof-')}/db"
    bus = bus_settings("profile")
    async with inproc_stack(bus) as (api, store), Watch(store) as watch:
        await latency(api, watch, 5, "warm")
        profiler = Profiler(async_mode="disabled", interval=0.0005)
        profiler.start()
        seconds, done = await throughput(api, watch, args.releases, "profiled")
        profiler.stop()
    print(f"{done} releases in {seconds:.2f}s = {done / seconds:.0f}/s (under the profiler)")
    print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False))
    # The same samples by self time, library frames included: where the CPU actually goes.
    from pyinstrument.renderers import ConsoleRenderer

    flat = ConsoleRenderer(unicode=False, color=False, flat=True, show_all=True)
    print("\n".join(profiler.output(flat).splitlines()[:45]))
    if args.html:
        await asyncio.to_thread(Path(args.html).write_text, profiler.output_html())


if __name__ == "__main__":
    from services.shared.logs import configure_logging
    from services.shared.settings import LogSettings

    configure_logging(LogSettings(level="WARNING", json_output=True))
    asyncio.run(main())
