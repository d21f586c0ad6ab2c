"""Settings of the room that an administrator sets: the idle lock, the directory (LDAP).

Kept in ``room_meta`` (every workstation reads them at login) and journaled through the
room's guard (``room.settings``: administrators only).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scop.journal.store import JournalStore
from scop.models import fold_accounts as ka
from scop.models.entries import Draft
from scop.models.vocabulary import Source
from scop.room import CommandRefused, Room

IDLE_MINUTES = "idle_minutes"
DEFAULT_IDLE_MINUTES = 15
AUTH = "auth"  # "local" (accounts table) or "ldap"
LDAP = "ldap"  # JSON: url, user_dn, base, groups {group DN: role}, ca_file, starttls

SETTINGS: dict[str, str] = {
    IDLE_MINUTES: "minutes d'inactivité avant le verrouillage du poste (1 à 240)",
    AUTH: "authentification : local (comptes de la salle) ou ldap (annuaire de la Ville)",
    LDAP: "annuaire : JSON {url, user_dn, groups, ca_file, starttls}",
}


def _check(key: str, value: str) -> str:
    if key not in SETTINGS:
        raise CommandRefused(f"Réglage inconnu : {key} (réglages : {', '.join(SETTINGS)}).")
    if key == IDLE_MINUTES:
        if not value.isdigit() or not 1 <= int(value) <= 240:
            raise CommandRefused("Le verrouillage d'inactivité se règle de 1 à 240 minutes.")
        return str(int(value))
    if key == AUTH:
        if value not in ("local", "ldap"):
            raise CommandRefused("Authentification : « local » ou « ldap ».")
        return value
    try:
        data = json.loads(value)
    except ValueError:
        raise CommandRefused("Réglage ldap : JSON attendu.") from None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise CommandRefused("Réglage ldap : un objet avec au moins « url ».")
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def set_setting(room: Room, key: str, value: str) -> None:
    value = _check(key, value.strip())
    shown = value if key != LDAP else "(annuaire modifié)"
    room.execute(
        "room.settings",
        lambda _st: [Draft(ka.SETTING_CHANGED, {"key": key, "value": shown}, Source.SYSTEME)],
        also=lambda txn: room.store.set_meta(key, value, txn),  # one transaction with its entry
    )


def idle_minutes(store: JournalStore) -> int:
    raw = store.meta(IDLE_MINUTES)
    return int(raw) if raw and raw.isdigit() else DEFAULT_IDLE_MINUTES


def ldap_settings(store: JournalStore) -> Mapping[str, Any] | None:
    if store.meta(AUTH) != "ldap":
        return None
    raw = store.meta(LDAP)
    data = json.loads(raw) if raw else {}
    return data if isinstance(data, dict) else {}
