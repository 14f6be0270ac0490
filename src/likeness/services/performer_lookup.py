"""Finding one performer by exact details, for a production that holds no consent of
theirs yet (``RegistryService.find_exact``), without letting it browse the registry.

What a lookup reveals, and to whom (docs/api.md, "Finding a performer"):
- Only an exact match answers: a union membership (union and member number, as
  registered), or a name (legal or professional, compared without regard to case,
  accents' composed or decomposed form, or repeated spaces) together with the date of
  birth. No prefix, no partial name, no name without its date of birth, no list.
- A hit gives the performer's id and the name they work under; nothing else (no date of
  birth, union or representative is shown back).
- A miss says only that nothing matched these details. It does not say whether the
  person is registered under other details, or which detail was wrong.
- Misses are counted per asking account, in the database every server process shares,
  and slow down like failed logins (``ThrottlePolicy``): a few free, then a wait that
  doubles up to 15 minutes, so walking through member numbers or birthdays takes
  weeks. Hits are not counted (a production looks up its cast) and never take a miss
  back, so hits between guesses buy nothing. The counts are stored under keyed hashes
  (the record keys' blind index): the table names no account.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Connection

from likeness.domain.performer import Performer
from likeness.errors import InvalidInputError, LookupThrottledError
from likeness.services.login_throttle import ThrottlePolicy
from likeness.store.logins import Failures, ThrottleRepository
from likeness.store.record_keys import keys_of

# A miss costs more than a failed login: no one mistypes their cast 20 times a day.
LOOKUP_POLICY = ThrottlePolicy(
    free_per_user_and_address=10,
    free_per_address=10,
    first_delay=timedelta(seconds=2),
    longest_delay=timedelta(minutes=15),
    forget_after=timedelta(hours=24),
)


@dataclass(frozen=True)
class ExactQuery:
    """What a production knows of a performer: a membership, or a name with the date
    of birth. Built by ``by_membership`` or ``by_name``, which refuse anything less."""

    union: str | None = None
    member_number: str | None = None
    name: str | None = None
    date_of_birth: date | None = None

    def __post_init__(self) -> None:
        membership = self.union is not None and self.member_number is not None
        named = self.name is not None and self.date_of_birth is not None
        if membership == named:  # neither (nothing to match exactly) or both (ambiguous)
            raise InvalidInputError(
                "look a performer up by a union membership, or by a name with the date of birth"
            )

    @classmethod
    def by_membership(cls, union: str, member_number: str) -> ExactQuery:
        union, member_number = union.strip(), member_number.strip()
        if not union or not member_number:
            raise InvalidInputError(
                "give both the union and the member number",
                hint="a member number is looked up as registered, with its union",
            )
        return cls(union=union, member_number=member_number)

    @classmethod
    def by_name(cls, name: str, date_of_birth: date | None) -> ExactQuery:
        if not comparable(name):
            raise InvalidInputError("give the performer's full name")
        if date_of_birth is None:
            raise InvalidInputError(
                "give the date of birth with the name",
                hint="a name alone is not looked up: many people share one",
            )
        return cls(name=name, date_of_birth=date_of_birth)


def comparable(name: str) -> str:
    """A name as compared: Unicode NFKC, case-folded, spaces collapsed. Exact otherwise:
    "Ada" does not match "Ada Lovelace"."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def name_matches(performer: Performer, query: ExactQuery) -> bool:
    if query.name is None or performer.date_of_birth != query.date_of_birth:
        return False
    wanted = comparable(query.name)
    names = (performer.legal_name, performer.professional_name)
    return any(n is not None and comparable(n) == wanted for n in names)


def union_spellings(union: str) -> list[str]:
    """The union as typed and in capitals ("sag-aftra" finds "SAG-AFTRA"): unions are
    registered by their abbreviations, and a blind index only finds the exact text."""
    return list(dict.fromkeys([union, union.upper()]))


class LookupThrottle:
    """Misses counted per asking account, in the login throttle's table under a key of
    their own (a keyed hash: the table holds no account id)."""

    def __init__(self, connection: Connection, policy: ThrottlePolicy = LOOKUP_POLICY) -> None:
        self._repository = ThrottleRepository(connection)
        self._key = keys_of(connection).blind_index
        self._policy = policy

    def _digest(self, asker: str) -> str:
        return self._key(f"performer-lookup\x1f{asker}")

    def attempt(self, asker: str, now: datetime) -> Failures | None:
        """Count a lookup as a miss before it runs, or refuse it while the account waits
        (counted first, as logins are, so that parallel guesses cannot all slip in
        before the first miss is written); ``took_back`` returns the count of a hit."""
        self._repository.forget_before(now - self._policy.forget_after)
        key = self._digest(asker)
        failures = self._repository.get(key)
        if failures and failures.blocked_until and failures.blocked_until > now:
            until = failures.blocked_until.strftime("%H:%M:%S UTC")
            raise LookupThrottledError(
                f"too many lookups found nobody; try again after {until}",
                hint="check the member number or the name and date of birth with the "
                "performer or their representative",
            )
        count = (failures.count if failures else 0) + 1
        free = self._policy.free_per_user_and_address
        blocked = self._policy.blocked_until(count, free, now)
        self._repository.put(key, Failures(count, now, blocked))
        return failures

    def took_back(self, asker: str, before: Failures | None) -> None:
        """A lookup that found its performer: its own count is taken back, and the
        account is left as ``attempt`` found it (``before``) unless other lookups were
        counted meanwhile. The misses before it stay counted."""
        key = self._digest(asker)
        now = self._repository.get(key)
        if now is None:
            return
        count = max(now.count - 1, 0)
        if before is None and count == 0:
            self._repository.remove(key)
        elif before is not None and count == before.count:
            self._repository.put(key, before)
        else:  # others counted meanwhile: theirs stand, and the wait they set
            self._repository.put(key, Failures(count, now.last_at, now.blocked_until))
