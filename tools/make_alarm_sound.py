"""Synthesise the « agent en danger » alarm: resources/sounds/agent_en_danger.wav.

A fast warble between 1,400 and 2,100 Hz in bursts of three, unlike every other sound of the
console (the other alarms of the console are visual only): operators must know it without
looking. Deterministic, so the shipped file can be regenerated and compared byte for byte.

    .venv/bin/python tools/make_alarm_sound.py
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22_050
OUT = Path(__file__).resolve().parent.parent / "resources" / "sounds" / "agent_en_danger.wav"


def samples() -> list[int]:
    out: list[int] = []
    phase = 0.0
    for burst in range(3):
        for n in range(int(RATE * 0.36)):  # one burst: a warble at 12 Hz
            t = n / RATE
            freq = 1750 + 350 * math.copysign(1.0, math.sin(2 * math.pi * 12 * t))
            phase += 2 * math.pi * freq / RATE
            envelope = min(1.0, n / 200, (RATE * 0.36 - n) / 200)
            # a square-ish wave cuts through a noisy room better than a pure sine
            value = math.sin(phase) + 0.3 * math.sin(3 * phase)
            out.append(int(0.55 * 32767 * envelope * value / 1.3))
        gap = 0.08 if burst < 2 else 0.5
        out.extend([0] * int(RATE * gap))
    return out


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(OUT), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", s) for s in samples()))
    print(f"{OUT} ({OUT.stat().st_size} octets)")


if __name__ == "__main__":
    main()
