"""What a long-lived service (crew feed, PP link, simulators) is given when the console starts
it: the room and its notices, somewhere to show its link's state, and the configuration.

Protocols rather than the Qt classes: the services live below the UI, and a test can hand in
anything that has these few members.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from scop.config import Config
from scop.room import Room


class Notifier(Protocol):
    def error(self, text: str) -> None: ...


class LinkStatus(Protocol):
    """The status bar: ``state`` is one of ok, degraded, down, off."""

    def set_link_state(self, key: str, text: str, state: str = "ok") -> None: ...


class ServiceHost(Protocol):
    @property
    def room(self) -> Room: ...

    @property
    def notices(self) -> Notifier: ...

    @property
    def services(self) -> dict[str, object]: ...


# A service starter gets (host, status bar, configuration) once the window exists and returns
# the asyncio tasks it started; they are cancelled when the console closes. Each starter decides
# from the room's mode and the configuration whether it runs (e.g. simulators: DÉMO only).
ServiceStarter = Callable[[ServiceHost, LinkStatus, Config], list["asyncio.Task[None]"]]
