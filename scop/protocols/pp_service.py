"""Starting the PP link inside the console (single workstation, or the demo).

In DÉMO the console starts the PP simulator in-process on a loopback port, with a short script
(the PP asks for a point de situation, activates the CUMP, alerts on an event of its own), and
links to it. In a real room the link is configured by environment (``SCOP_PP_URL``,
``SCOP_PP_CA``, ``SCOP_PP_CERT``, ``SCOP_PP_KEY``, read into ``Config.pp``) or, for a room of
many workstations, held by ``scop gateway``: then the console only shows what the journal
holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from scop.config import Config
from scop.models.entries import DEMO_SEED, Draft
from scop.models.fold_messages import DRAFTED
from scop.protocols.edxl import EventInfo
from scop.protocols.pp_link import LinkConfig, LinkConfigError, PPLink, link_config
from scop.protocols.pp_sim import PPSimulator, Script, Step
from scop.protocols.services import LinkStatus, ServiceHost

log = logging.getLogger(__name__)

NOT_CONFIGURED = "Lien PP non configuré (ni passerelle dans la salle, ni --pp / SCOP_PP_URL)"
# The link's states, as MainWindow.set_link_state names them.
STATUS_BAR_STATES = {"ok": "ok", "warning": "degraded", "error": "down"}

DEMO_SCRIPT = Script(
    steps=(
        Step(
            at=20,
            send="demande_point_de_situation",
            event_id="EV-0001",
            event=EventInfo("EV-0001", "FIR", "Feu d'appartement, fumées au 3e étage"),
            text="Merci d'un point de situation sur le relogement des occupants",
        ),
        Step(
            at=45,
            send="activation_cump",
            event=EventInfo("EV-0001", "FIR", "Feu d'appartement, fumées au 3e étage"),
            text="CUMP 75 activée, arrivée estimée 30 min, coordination avec l'UMIP",
        ),
        Step(
            at=90,
            send="alerte",
            event=EventInfo(
                "PP-2611-0042",
                "EXP/GAS",
                "Fuite de gaz, périmètre de sécurité",
                3,
                "en_cours",
                "18 Rue de la Roquette, 75011 Paris",
                2.3731,
                48.8546,
            ),
            text="Évacuation de deux immeubles, accueil des riverains à organiser",
        ),
    ),
    answer_delay=8.0,
)


def start_pp_services(
    host: ServiceHost, window: LinkStatus, config: Config
) -> list[asyncio.Task[None]]:
    """A ``scop.app.SERVICE_STARTERS`` entry."""
    room = host.room
    if config.headless:
        # the screenshot shows what the journal holds
        window.set_link_state("pp", "Lien PP non démarré (capture sans écran)", "off")
        return []
    endpoint = config.pp
    demo = room.mode == "demo" and endpoint is None
    if demo and config.no_sim:
        window.set_link_state("pp", "Lien PP non démarré (--no-sim)", "off")
        return []
    if not demo and getattr(host.services.get("room_status"), "has_gateway", False):
        if endpoint is not None:
            log.warning("--pp / SCOP_PP_URL ignoré : la passerelle de la salle porte le lien PP")
        return []  # the room's gateway carries the link; RoomStatus shows its state
    show: Callable[[str, str], None] = lambda state, text: window.set_link_state(  # noqa: E731
        "pp", text, STATUS_BAR_STATES.get(state, "off")
    )
    if not demo and endpoint is None:
        # No gateway has taken the lease and no direct link is configured: say so, never
        # « carried by the gateway » while nobody carries it.
        window.set_link_state("pp", NOT_CONFIGURED, "down")
        return []
    loop = asyncio.get_event_loop()
    if demo or endpoint is None:
        return [loop.create_task(_demo(host, show))]
    try:
        link = PPLink(room, link_config(endpoint, exercise=room.mode == "exercise"), listener=show)
    except LinkConfigError as e:
        show("error", f"Lien PP : {e}")
        host.notices.error(str(e))
        return []
    host.services["pp_link"] = link
    return [loop.create_task(link.run())]


async def _demo(host: ServiceHost, show: Callable[[str, str], None]) -> None:
    sim = PPSimulator(answer_delay=DEMO_SCRIPT.answer_delay or 8.0)
    port = await sim.start()
    host.services["pp_sim"] = sim
    link = PPLink(
        host.room, LinkConfig(f"ws://127.0.0.1:{port}", label="simulateur DÉMO"), listener=show
    )
    host.services["pp_link"] = link
    try:
        await asyncio.gather(link.run(), sim.run_script(DEMO_SCRIPT))
    finally:
        await sim.stop()


def demo_pp_drafts() -> list[Draft]:
    """A thread already under way in the demo room: the chief's alert to the PP on the fire and
    a UMIP request drafted by the fiche réflexe, waiting for validation."""
    return [
        Draft(
            DRAFTED,
            {
                "draft_id": "PP-DEMO-0001",
                "event_id": "EV-0001",
                "template": "alerte",
                "fields": {
                    "texte": "Feu d'appartement au 3e étage, BSPP sur place, "
                    "deux familles évacuées",
                    "evacues": 9,
                },
                "origin": None,
            },
            "operateur",
            DEMO_SEED,
        ),
        Draft(
            DRAFTED,
            {
                "draft_id": "PP-DEMO-0002",
                "event_id": "EV-0001",
                "template": "demande_umip",
                "fields": {
                    "texte": "Soutien psychologique des familles évacuées",
                    "quantite": 1,
                    "lieu": "Mairie du 11e",
                },
                "origin": None,
            },
            "operateur",
            DEMO_SEED,
        ),
    ]
