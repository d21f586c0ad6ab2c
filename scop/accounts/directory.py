"""The city's directory (LDAP / Active Directory) as the room's authority on passwords.

A simple bind as the person (over LDAPS, or StartTLS on ``ldap://``) checks the password; the
person's groups give the role, by the mapping in the room's settings. When the directory
cannot be reached the login says so: it never falls back to a weaker check.

Settings (``scop room settings`` / ``room_meta`` key ``ldap``, JSON)::

    {"url": "ldaps://annuaire.paris.fr",          # ldap:// only with "starttls": true,
     "user_dn": "uid={login},ou=people,dc=paris,dc=fr",   # or loopback (tests)
     "groups": {"cn=scop-chefs,ou=groups,dc=paris,dc=fr": "chief",
                "cn=scop-operateurs,ou=groups,dc=paris,dc=fr": "operator"},
     "ca_file": "/etc/scop/ac-ville.pem", "starttls": false, "timeout": 5}
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from scop.accounts.roles import ACCOUNT_ROLES
from scop.accounts.settings import ldap_settings
from scop.accounts.store import WRONG_CREDENTIALS, DirectoryCheck, LoginRefused
from scop.journal.store import JournalStore

log = logging.getLogger("scop.accounts")

DOWN = (
    "Annuaire de la Ville injoignable : connexion impossible pour l'instant. "
    "Prévenez l'administrateur ; aucun autre moyen de connexion n'est ouvert."
)
UNTRUSTED = (
    "Certificat de l'annuaire de la Ville non reconnu (autorité de certification de la salle, "
    "réglage ca_file) : connexion refusée. Prévenez l'administrateur ; aucune connexion "
    "en clair n'est tentée."
)
NO_ROLE = "Votre compte de l'annuaire n'appartient à aucun groupe de la salle."
# Roles in order of precedence when a person is in several groups.
PRECEDENCE = ("admin", "chief", "trainer", "operator", "observer")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class DirectoryConfigError(ValueError):
    pass


def _escape_dn_value(value: str) -> str:
    from ldap3.utils.dn import escape_rdn

    escaped: str = escape_rdn(value)
    return escaped


class Directory:
    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.url = str(settings.get("url", ""))
        self.user_dn = str(settings.get("user_dn", ""))
        groups = settings.get("groups") or {}
        self.groups = {str(k).lower(): str(v) for k, v in dict(groups).items()}
        self.ca_file = settings.get("ca_file")
        self.starttls = bool(settings.get("starttls", False))
        self.timeout = float(settings.get("timeout", 5))
        u = urlparse(self.url)
        if u.scheme not in ("ldap", "ldaps") or not u.hostname:
            raise DirectoryConfigError(f"annuaire : URL invalide « {self.url} »")
        if u.scheme == "ldap" and not self.starttls and u.hostname not in _LOOPBACK:
            raise DirectoryConfigError(
                "annuaire : ldap:// en clair n'est admis qu'en boucle locale ; "
                "utilisez ldaps:// ou StartTLS"
            )
        if "{login}" not in self.user_dn:
            raise DirectoryConfigError("annuaire : user_dn doit contenir {login}")
        bad = [r for r in self.groups.values() if r not in ACCOUNT_ROLES]
        if bad:
            raise DirectoryConfigError(f"annuaire : rôle inconnu dans groups : {bad[0]}")

    def _server(self) -> Any:
        from ldap3 import Server, Tls

        u = urlparse(self.url)
        tls = None
        if u.scheme == "ldaps" or self.starttls:
            tls = Tls(
                validate=ssl.CERT_REQUIRED,
                ca_certs_file=self.ca_file,
                version=ssl.PROTOCOL_TLS_CLIENT,
            )
        return Server(
            u.hostname,
            port=u.port,
            use_ssl=u.scheme == "ldaps",
            tls=tls,
            connect_timeout=self.timeout,
        )

    def check(self, login: str, password: str) -> tuple[str, str]:
        """(display name, role) if the directory accepts ``password`` for ``login``."""
        from ldap3 import BASE, Connection
        from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPSocketOpenError

        if not password:  # an empty password is an anonymous bind: never a login
            raise LoginRefused(WRONG_CREDENTIALS, "password")
        dn = self.user_dn.format(login=_escape_dn_value(login))
        conn = Connection(
            self._server(), user=dn, password=password, receive_timeout=max(1, int(self.timeout))
        )
        try:
            try:
                if self.starttls:
                    conn.open()
                    # start_tls() answers False (no exception) when the server declines:
                    # binding anyway would send the password in clear.
                    if not conn.start_tls():
                        log.warning("annuaire %s : StartTLS refusé", self.url)
                        raise LoginRefused(DOWN, "directory")
                if not conn.bind():
                    if conn.result.get("result") == 49:  # invalidCredentials
                        raise LoginRefused(WRONG_CREDENTIALS, "password")
                    log.warning("annuaire : bind refusé %s", conn.result.get("description"))
                    raise LoginRefused(WRONG_CREDENTIALS, "password")
            except LDAPBindError:
                raise LoginRefused(WRONG_CREDENTIALS, "password") from None
            except (LDAPSocketOpenError, LDAPException, OSError) as exc:
                if _untrusted_certificate(exc):
                    log.warning("annuaire %s : certificat non reconnu", self.url)
                    raise LoginRefused(UNTRUSTED, "directory") from None
                log.warning("annuaire %s injoignable : %s", self.url, type(exc).__name__)
                raise LoginRefused(DOWN, "directory") from None
            conn.search(dn, "(objectClass=*)", BASE, attributes=["cn", "displayName"])
            entry = conn.entries[0] if conn.entries else None
            name = login
            if entry is not None:
                for attr in ("displayName", "cn"):
                    if attr in entry and entry[attr].value:
                        value = entry[attr].value
                        name = str(value[0] if isinstance(value, list) else value)
                        break
            roles: set[str] = set()
            for group_dn, group_role in self.groups.items():
                # the group holds the person (groupOfNames member / uniqueMember)
                conn.search(
                    group_dn,
                    f"(|(member={_filter_escape(dn)})(uniqueMember={_filter_escape(dn)}))",
                    BASE,
                    attributes=["cn"],
                )
                if conn.entries:
                    roles.add(group_role)
            best = next((r for r in PRECEDENCE if r in roles), None)
            if best is None:
                raise LoginRefused(NO_ROLE, "role")
            return name, best
        finally:
            # after a failed handshake the socket is already closed: nothing left to unbind
            with contextlib.suppress(LDAPException):
                conn.unbind()


def _untrusted_certificate(exc: BaseException) -> bool:
    """Whether the TLS handshake failed on the server's certificate. ldap3 wraps the ssl error
    (LDAPS: in the socket-open error's history; StartTLS: in its message), so look at both."""
    seen: list[BaseException] = [exc]
    for item in getattr(exc, "args", ()):
        if isinstance(item, list):  # LDAPSocketOpenError: [(exception, address), …]
            for t in item:
                if isinstance(t, tuple):
                    seen += [x for x in t if isinstance(x, BaseException)]
    for e in seen:
        if isinstance(e, ssl.SSLCertVerificationError):
            return True
        text = str(e)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            return True
    return False


def _filter_escape(value: str) -> str:
    from ldap3.utils.conv import escape_filter_chars

    escaped: str = escape_filter_chars(value)
    return escaped


def directory_check(store: JournalStore) -> DirectoryCheck | None:
    """The room's directory check when the room authenticates with LDAP, else None."""
    settings = ldap_settings(store)
    if settings is None:
        return None
    try:
        return Directory(settings).check
    except DirectoryConfigError as exc:
        message = str(exc)

        def misconfigured(_login: str, _password: str) -> tuple[str, str]:
            raise LoginRefused(f"{DOWN} ({message})", "directory")

        return misconfigured
