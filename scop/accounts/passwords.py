"""Password hashing (argon2id) with a cost that a room can afford and an attacker cannot."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12


@dataclass(frozen=True, slots=True)
class HashCost:
    time_cost: int
    memory_kib: int
    parallelism: int


# Measured on this machine kind (2 shared cores, bench/login.py): t=3, 64 MiB, one lane
# verifies in 0.17-0.30 s as the load varies (t=2/32 MiB: 0.09 s, too cheap; t=4/64 MiB:
# 0.34 s). A login happens once per shift and after an idle lock, so 0.2-0.3 s keeps nobody
# waiting, while every guess at a stolen hash costs an attacker as much time and 64 MiB
# (memory is what makes GPU farms pay): RFC 9106's second recommended setting. One lane:
# the console's machine has few cores and the GUI must stay responsive.
ROOM_COST = HashCost(time_cost=3, memory_kib=64 * 1024, parallelism=1)

# For tests that run thousands of logins (the lockout property test): the code path is the
# same, only the work factor is not, so that 2,000 attempts take seconds instead of ten
# minutes. Never used by the console.
TEST_COST = HashCost(time_cost=1, memory_kib=8, parallelism=1)


class PasswordTooShort(ValueError):
    pass


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordTooShort(f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères.")


class Hasher:
    def __init__(self, cost: HashCost = ROOM_COST) -> None:
        self.cost = cost
        self._ph = PasswordHasher(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_kib,
            parallelism=cost.parallelism,
            type=Type.ID,
        )
        # Verified against an unknown login, so that "no such account" takes as long as a
        # wrong password and the timing does not tell which of the two it was.
        self._dummy = self._ph.hash("scop-no-such-account")

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, hashed: str | None, password: str) -> bool:
        try:
            return self._ph.verify(hashed or self._dummy, password) and hashed is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        try:
            return self._ph.check_needs_rehash(hashed)
        except InvalidHashError:
            return False
