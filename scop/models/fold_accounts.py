"""What happens to accounts, as the main courante tells it. The accounts themselves (and their
password hashes) live in the ``accounts`` table; these entries carry no secret."""

from __future__ import annotations

from scop.models.describe import describes
from scop.models.entries import ROLES, Entry

ACCOUNT_CREATED = "account.created"
ACCOUNT_DISABLED = "account.disabled"
ACCOUNT_ENABLED = "account.enabled"
ACCOUNT_ROLE = "account.role_changed"
ACCOUNT_PASSWORD = "account.password_reset"
ACCOUNT_LOCKED = "account.locked"
LOGIN_FAILED = "auth.failed"
SESSION_LOCKED = "session.locked"
SESSION_UNLOCKED = "session.unlocked"
SETTING_CHANGED = "room.setting_changed"

FAILURE_REASONS = {
    "password": "mot de passe refusé",
    "unknown": "identifiant inconnu",
    "disabled": "compte désactivé",
    "locked": "compte verrouillé",
    "directory": "annuaire injoignable",
    "role": "dans aucun groupe de la salle",
}


def _role(e: Entry) -> str:
    return ROLES.get(str(e.payload.get("role", "")), str(e.payload.get("role", "?")))


@describes(ACCOUNT_CREATED, "Compte créé")
def _d_created(e: Entry) -> str:
    p = e.payload
    return f"Compte « {p.get('login')} » créé : {p.get('name')}, {_role(e)}"


@describes(ACCOUNT_DISABLED, "Compte désactivé")
def _d_disabled(e: Entry) -> str:
    return f"Compte « {e.payload.get('login')} » désactivé"


@describes(ACCOUNT_ENABLED, "Compte réactivé")
def _d_enabled(e: Entry) -> str:
    return f"Compte « {e.payload.get('login')} » réactivé"


@describes(ACCOUNT_ROLE, "Rôle modifié")
def _d_role(e: Entry) -> str:
    before = ROLES.get(str(e.payload.get("from", "")), "?")
    return f"Compte « {e.payload.get('login')} » : rôle {before} → {_role(e)}"


@describes(ACCOUNT_PASSWORD, "Mot de passe réinitialisé")
def _d_password(e: Entry) -> str:
    return f"Mot de passe du compte « {e.payload.get('login')} » réinitialisé"


@describes(ACCOUNT_LOCKED, "Compte verrouillé")
def _d_locked(e: Entry) -> str:
    p = e.payload
    return (
        f"Compte « {p.get('login')} » verrouillé jusqu'à {p.get('until', '?')} "
        f"après {p.get('failures', '?')} échecs de connexion"
    )


@describes(LOGIN_FAILED, "Échec de connexion")
def _d_failed(e: Entry) -> str:
    p = e.payload
    reason = FAILURE_REASONS.get(str(p.get("reason", "")), str(p.get("reason", "")))
    # No login: the text typed named no account (it may have been a password), not journaled.
    who = f"de « {p['login']} »" if "login" in p else "d'un identifiant inconnu"
    return f"Échec de connexion {who} sur {p.get('workstation', '?')} : {reason}"


@describes(SESSION_LOCKED, "Poste verrouillé")
def _d_session_locked(e: Entry) -> str:
    return f"Poste {e.payload.get('workstation', '?')} verrouillé (inactivité)"


@describes(SESSION_UNLOCKED, "Poste déverrouillé")
def _d_session_unlocked(e: Entry) -> str:
    return f"Poste {e.payload.get('workstation', '?')} déverrouillé"


@describes(SETTING_CHANGED, "Réglage de la salle")
def _d_setting(e: Entry) -> str:
    return f"Réglage de la salle « {e.payload.get('key')} » : {e.payload.get('value')}"
