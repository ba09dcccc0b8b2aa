"""Demo users: realistic names, bcrypt-shaped hashes, and a lockout spread to look at."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

FIRST = (
    "alex",
    "maria",
    "james",
    "priya",
    "chen",
    "fatima",
    "lukas",
    "sofia",
    "omar",
    "emma",
    "noah",
    "aisha",
    "mateo",
    "hannah",
    "ivan",
    "yuki",
    "liam",
    "zoe",
    "arjun",
    "elena",
    "david",
    "sara",
    "kofi",
    "nina",
    "tomas",
    "leila",
    "ryan",
    "mia",
    "samuel",
    "grace",
)
LAST = (
    "smith",
    "garcia",
    "mueller",
    "patel",
    "wang",
    "khan",
    "schmidt",
    "rossi",
    "haddad",
    "johnson",
    "brown",
    "nakamura",
    "okafor",
    "silva",
    "novak",
    "kim",
    "andersson",
    "dubois",
    "reyes",
    "cohen",
    "murphy",
    "ivanova",
    "larsen",
    "fischer",
    "tanaka",
    "walker",
    "moreau",
)
DOMAINS = ("contoso.com", "fabrikam.io", "northwind.example", "psscript.dev", "adatum.net")
_BCRYPT_ALPHABET = "./" + string.ascii_letters + string.digits

MAX_ATTEMPTS = 5
LOCK_MINUTES = 30


@dataclass(frozen=True, slots=True)
class DemoUser:
    id: int
    username: str
    email: str
    password_hash: str
    role: str
    last_login_at: datetime | None
    login_attempts: int
    locked_until: datetime | None
    created_at: datetime


def bcrypt_shaped(rng: random.Random) -> str:
    """Looks like bcrypt cost 12 (the seed's setting); never a hash of a real password."""
    return "$2b$12$" + "".join(rng.choice(_BCRYPT_ALPHABET) for _ in range(53))


def generate_users(count: int, now: datetime, seed: int = 0) -> list[DemoUser]:
    """Mostly healthy accounts; about 2 % locked, 4 % one or two failures from a lock."""
    rng = random.Random(seed)
    users: list[DemoUser] = []
    taken: set[str] = set()
    for user_id in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        base = f"{first}.{last}" if user_id > 1 else "admin"
        username = base
        while username in taken:
            username = f"{base}{rng.randint(2, 9999)}"
        taken.add(username)
        created = now - timedelta(days=rng.uniform(1, 730))
        roll = rng.random()
        attempts, locked_until = 0, None
        if user_id > 1 and roll < 0.02:
            attempts = MAX_ATTEMPTS
            locked_until = now + timedelta(minutes=rng.uniform(2, LOCK_MINUTES))
        elif user_id > 1 and roll < 0.06:
            attempts = rng.choice((3, 4))
        elif roll < 0.15:
            attempts = rng.choice((1, 2))
        last_login = None if rng.random() < 0.05 else now - timedelta(hours=rng.uniform(0.1, 2000))
        if last_login is not None and last_login < created:
            last_login = created + timedelta(hours=1)
        users.append(
            DemoUser(
                id=user_id,
                username=username,
                email=f"{username}@{rng.choice(DOMAINS)}",
                password_hash=bcrypt_shaped(rng),
                role="admin" if user_id == 1 or rng.random() < 0.03 else "user",
                last_login_at=last_login,
                login_attempts=attempts,
                locked_until=locked_until,
                created_at=created,
            )
        )
    return users
