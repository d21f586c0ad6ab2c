"""The console's crew feed service in DÉMO: the simulator on a loopback port and the real
feed client, on the console's qasync loop; the status bar shows the link."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication
from scoptest.tasks import stop_tasks

from scop.app import start_crew_feed
from scop.config import Config


def test_demo_feed_moves_crews_and_shows_its_state(window: Any) -> None:
    room = window.ctx.room
    before = {cs: (c.lon, c.lat) for cs, c in room.state.crews.items()}
    loop = qasync.QEventLoop(QApplication.instance())
    asyncio.set_event_loop(loop)
    tasks: list[Any] = []
    try:
        tasks = start_crew_feed(window.ctx, window, Config())
        assert len(tasks) == 1

        async def until_moved() -> None:
            for _ in range(300):
                client = window.ctx.services.get("crew_feed")
                if client is not None and client.stats.fixes_recorded >= 47:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("no position recorded from the simulator")

        loop.run_until_complete(until_moved())
        label = window.link_labels["feed"].text()
        assert "Flux équipages connecté" in label
        moved = [cs for cs, c in room.state.crews.items() if (c.lon, c.lat) != before[cs]]
        assert len(moved) >= 40
        server = window.ctx.services["feed_sim"]
        assert server.url.startswith("ws://127.0.0.1:")
        loop.run_until_complete(stop_tasks(*tasks))
        assert "Flux équipages arrêté" in window.link_labels["feed"].text()
    finally:
        loop.run_until_complete(stop_tasks(*tasks))
        loop.close()
        asyncio.set_event_loop(None)


def test_no_feed_in_screenshot_mode_nor_without_configuration(window: Any) -> None:
    assert start_crew_feed(window.ctx, window, Config(screenshot=Path("x.png"))) == []
    assert start_crew_feed(window.ctx, window, Config(no_sim=True)) == []
    assert "non configuré" in window.link_labels["feed"].text()
