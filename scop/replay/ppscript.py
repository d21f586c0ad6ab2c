"""The scenario's messages from the Préfecture de Police, as a ``scop pp-sim`` script.

With it the PP simulator plays them over the real link (EDXL-DE marked Exercise), instead of
the runner writing them into the exercise journal. The simulator counts time from the
console's first connection at ×1: start the exercise when the link comes up, and do not
change its speed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scop.protocols.pp_sim import parse_script
from scop.replay.scenario import EXERCISE_MARK, Scenario


def pp_sim_script(scenario: Scenario) -> dict[str, Any]:
    events = scenario.events()
    steps: list[dict[str, Any]] = []
    for inj in scenario.injects:
        if inj.type != "message_pp":
            continue
        text = inj.text if inj.text.startswith("EXERCICE") else f"{EXERCISE_MARK} — {inj.text}"
        step: dict[str, Any] = {
            "at": int(inj.at.total_seconds()),
            "send": inj.template,
            "text": text,
        }
        ev = events.get(inj.event_id)
        if ev is not None:
            step["event"] = {
                k: v
                for k, v in {
                    "id": ev.id,
                    "category": ev.category or "PSW",
                    "title": ev.title,
                    "gravity": ev.gravity,
                    "address": ev.address,
                    "lon": ev.lon,
                    "lat": ev.lat,
                    "description": ev.description,
                }.items()
                if v is not None
            }
        else:
            step["event_id"] = inj.event_id
        steps.append(step)
    script = {"exercise": True, "steps": steps}
    parse_script(script, f"script tiré de {scenario.path}")  # the simulator must accept it
    return script


def write_pp_sim_script(scenario: Scenario, path: Path) -> int:
    script = pp_sim_script(scenario)
    header = (
        f"# Script de « scop pp-sim » tiré du scénario {Path(scenario.path).name}\n"
        f"# ({scenario.title}). EXERCICE EXERCICE EXERCICE : trafic marqué Exercise.\n"
    )
    path.write_text(
        header + yaml.safe_dump(script, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return len(script["steps"])
