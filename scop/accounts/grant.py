"""``scop room grant``: the PostgreSQL login role the consoles connect with.

The room's tables belong to whoever ran ``scop room init``; consoles connect with a role that
may read and append, and nothing more: no UPDATE or DELETE on the journal (the triggers refuse
them anyway, this makes the refusal come from the rights), no DDL, no other database.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, text

from scop.journal.tables import metadata

# table -> privileges a console needs on it. The journal is read and appended to; its head
# moves with each append; accounts count failed logins, lock, and learn directory users.
TABLE_RIGHTS: dict[str, tuple[str, ...]] = {
    "journal_entries": ("SELECT", "INSERT"),
    "journal_head": ("SELECT", "INSERT", "UPDATE"),
    "crew_positions": ("SELECT", "INSERT"),
    "room_meta": ("SELECT", "INSERT", "UPDATE"),  # room settings (administrators)
    "accounts": ("SELECT", "INSERT", "UPDATE"),
}
# Tables other modules add (roster, relève…): read and append only, unless listed above.
DEFAULT_RIGHTS: tuple[str, ...] = ("SELECT", "INSERT")

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class GrantError(Exception):
    pass


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.match(name):
        raise GrantError(
            f"nom de rôle invalide « {name} » : minuscules, chiffres et _, 63 caractères au plus"
        )
    return name


def _quote(conn: Connection, name: str) -> str:
    quoted: str = conn.dialect.identifier_preparer.quote_identifier(name)
    return quoted


def role_exists(engine: Engine, role: str) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
            is not None
        )


def grant_console_role(engine: Engine, role: str, password: str | None) -> list[str]:
    """Create ``role`` (a LOGIN role with ``password``) unless it exists, and grant it what a
    console needs on the room's tables. Returns what was done, one line each, for the
    terminal. The password goes to the server as a bound parameter, never into a log."""
    if engine.url.get_backend_name() != "postgresql":
        raise GrantError("scop room grant ne concerne que PostgreSQL")
    check_role_name(role)
    done: list[str] = []
    with engine.begin() as conn:
        q = _quote(conn, role)
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).first()
        if exists is None:
            if password is None:
                raise GrantError(f"le rôle « {role} » n'existe pas : il faut un mot de passe")
            # CREATE ROLE takes no bind parameter: quote the literal with the server's own
            # function, so that no quoting of ours can be got wrong.
            literal = conn.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
            conn.exec_driver_sql(
                f"CREATE ROLE {q} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {literal}"
            )
            done.append(f"rôle {role} créé (connexion autorisée)")
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {_quote(conn, schema)} TO {q}")
        present = {
            r[0]
            for r in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
        }
        for table in sorted(metadata.tables):
            if table not in present:
                continue
            rights = TABLE_RIGHTS.get(table, DEFAULT_RIGHTS)
            conn.exec_driver_sql(f"REVOKE ALL ON {_quote(conn, table)} FROM {q}")
            conn.exec_driver_sql(f"GRANT {', '.join(rights)} ON {_quote(conn, table)} TO {q}")
            done.append(f"{table} : {', '.join(rights)}")
        for (seq,) in conn.execute(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
        ):
            conn.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {_quote(conn, seq)} TO {q}")
        conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION scop_journal_append_only() TO {q}")
    return done
