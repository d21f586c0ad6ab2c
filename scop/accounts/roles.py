"""The roles a person holds in the room, as the command line and the screens name them."""

from __future__ import annotations

from scop.models.entries import ROLES

# Roles an account may hold (``system`` is for services only).
ACCOUNT_ROLES: tuple[str, ...] = ("operator", "chief", "trainer", "admin", "observer")

# The French names the command line takes (``--role chef``), to the codes the journal keeps.
ROLE_NAMES: dict[str, str] = {
    "operateur": "operator",
    "chef": "chief",
    "formateur": "trainer",
    "administrateur": "admin",
    "observateur": "observer",
}
ROLE_CLI_NAME: dict[str, str] = {v: k for k, v in ROLE_NAMES.items()}


def role_code(text: str) -> str:
    """``chef``, ``Chef``, ``chief``, « chef de salle » → ``chief``; ValueError otherwise."""
    t = text.strip().casefold()
    if t in ROLE_NAMES:
        return ROLE_NAMES[t]
    if t in ACCOUNT_ROLES:
        return t
    for code, label in ROLES.items():
        if code in ACCOUNT_ROLES and label.casefold() == t:
            return code
    names = ", ".join(ROLE_NAMES)
    raise ValueError(f"rôle inconnu « {text} » (rôles : {names})")
