"""SQLAlchemy 2.x tables. Entries are only ever inserted: the code has no UPDATE or DELETE
on ``journal_entries``; ``journal_head`` is the one-row anchor that makes a truncation of the
chain's tail visible and serialises writers on PostgreSQL (``SELECT … FOR UPDATE``)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite only aliases ROWID for an INTEGER primary key; PostgreSQL wants a BIGINT.
BigId = Integer().with_variant(BigInteger(), "postgresql")

journal_entries = Table(
    "journal_entries",
    metadata,
    Column("position", BigId, primary_key=True, autoincrement=False),
    Column("ts", String(40), nullable=False, index=True),
    Column("author", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("source", String(40), nullable=False),
    Column("kind", String(80), nullable=False, index=True),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # The account (login) or service (``service:…``) that wrote it; '' before accounts existed.
    Column("author_id", String(120), nullable=False, server_default=""),
)

journal_head = Table(
    "journal_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigId, nullable=False),
    Column("hash", String(64), nullable=False),
)

crew_positions = Table(
    "crew_positions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ts", String(40), nullable=False, index=True),
    Column("call_sign", String(40), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("heading", Float),
    Column("speed", Float),
)

room_meta = Table(
    "room_meta",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("value", Text, nullable=False),
)

# The room's gateway lease: one row (id = 1). The gateway that holds it renews ``heartbeat``
# every second and publishes its links' states; a standby takes the row over when the heartbeat
# is older than the lease's time to live, bumping ``epoch`` so the former holder knows it lost.
gateway_lease = Table(
    "gateway_lease",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("holder", String(200), nullable=False),
    Column("epoch", BigId, nullable=False),
    Column("since", String(40), nullable=False),
    Column("heartbeat", String(40), nullable=False),
    Column("ttl", Float, nullable=False),
    Column("links", Text, nullable=False),  # JSON {"pp": [state, text], "feed": [state, text]}
)

# Accounts live beside the journal, never in it: the journal records what happened to an
# account (created, disabled, role changed, failed login, lock), this table holds its current
# state and its password hash, which no entry, log or export ever carries.
accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(80), nullable=False, unique=True),  # case-folded
    Column("name", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("password_hash", Text),  # argon2id, PHC string; NULL for a directory (LDAP) account
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("locked_until", String(40)),  # UTC ISO; counted here so every workstation sees it
    Column("created_at", String(40), nullable=False),
)
