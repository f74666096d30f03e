"""Customer identity: normalised e-mail, phone and postal address, and which accounts to link.

Every link says why ("same phone +4915112345678"): the escalation matrix counts across accounts.

- E-mail: lower case; for providers in MAIL_PROVIDERS, the rules they apply themselves (Gmail
  ignores dots and "+tags" and answers to googlemail.com too; Outlook, iCloud, Fastmail, Proton
  and others deliver "name+tag" to "name"). Other domains only lose case.
- Phone: E.164 via `phonenumbers`. A number without "+" is read in the desk's region (its
  holiday country); where that region dials national numbers with a leading 0 (DE, GB, FR...),
  digits without the 0 that form a valid number with a country code are that international
  number ("442079460958" is +44 20 7946 0958). Without a region only international numbers read.
- Postal address: accents, case, punctuation and common street words folded ("Straße" ->
  "str", "Avenue" -> "ave"); two addresses are similar when country, postal code and house
  numbers agree and rapidfuzz's token-sort ratio of street and city reaches the threshold.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import phonenumbers
from rapidfuzz import fuzz

from sopdesk.domain.cases import IdentityKind
from sopdesk.errors import InvalidInput


@dataclass(frozen=True)
class MailProvider:
    """How a mail provider reads addresses: data, so a desk can extend the list."""

    name: str
    domains: frozenset[str]
    ignores_dots: bool = False
    plus_tags: bool = True
    canonical_domain: str | None = None


MAIL_PROVIDERS: tuple[MailProvider, ...] = (
    MailProvider(
        "Gmail",
        frozenset({"gmail.com", "googlemail.com"}),
        ignores_dots=True,
        canonical_domain="gmail.com",
    ),
    MailProvider(
        "Outlook",
        frozenset(
            {"outlook.com", "hotmail.com", "live.com", "msn.com", "hotmail.co.uk", "outlook.de"}
            | {"hotmail.de", "hotmail.fr", "live.co.uk", "live.de"}
        ),
    ),
    MailProvider("iCloud", frozenset({"icloud.com", "me.com", "mac.com"})),
    MailProvider("Fastmail", frozenset({"fastmail.com", "fastmail.fm"})),
    MailProvider("Proton", frozenset({"proton.me", "protonmail.com", "protonmail.ch", "pm.me"})),
    MailProvider("Yandex", frozenset({"yandex.com", "yandex.ru", "ya.ru"})),
    MailProvider("Zoho", frozenset({"zoho.com", "zohomail.com"})),
    MailProvider("Tuta", frozenset({"tuta.com", "tutanota.com", "tutanota.de"})),
)

_PROVIDERS_BY_DOMAIN = {domain: p for p in MAIL_PROVIDERS for domain in p.domains}


def email_address(address: str) -> str:
    """The address to write to, trimmed and lower-cased: the key a customer is found by."""
    text = address.strip().lower()
    local, at, domain = text.rpartition("@")
    domain = domain.rstrip(".")
    if not at or not local or not domain or "." not in domain or re.search(r"\s", text):
        raise InvalidInput(f"{address!r} is not an e-mail address")
    return f"{local}@{domain}"


def normalise_email(
    address: str, providers: Mapping[str, MailProvider] = _PROVIDERS_BY_DOMAIN
) -> str:
    """The address as its provider delivers it: "J.Doe+shop@GoogleMail.com" -> "jdoe@gmail.com"."""
    local, _, domain = email_address(address).rpartition("@")
    provider = providers.get(domain)
    if provider is None:
        return f"{local}@{domain}"
    if provider.plus_tags:
        local = local.split("+", 1)[0]
    if provider.ignores_dots:
        local = local.replace(".", "")
    if not local:
        raise InvalidInput(f"{address!r} has no mailbox name before its tag")
    return f"{local}@{provider.canonical_domain or domain}"


def _parsed(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _trunk_prefix(region: str) -> str | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return metadata.national_prefix if metadata is not None else None


def normalise_phone(raw: str, default_region: str | None = None) -> str:
    """E.164 form; a number without "+" is read in `default_region` (see the module's rule)."""
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    region = (default_region or "").upper()
    readings: list[tuple[str, str]] = []  # (text, region) in order of preference
    if text.startswith("+") or not region:
        readings.append(
            ("+" + digits.removeprefix("00") if not text.startswith("+") else text, "ZZ")
        )
    else:
        international = ("+" + digits, "ZZ")
        national = (text, region)
        without_zero = _trunk_prefix(region) == "0" and not digits.startswith("0")
        readings += [international, national] if without_zero else [national, international]
    if not digits:
        raise InvalidInput(f"{raw!r} is not a phone number")
    for candidate, where in readings:
        number = _parsed(candidate, where)
        if number is not None:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    read_in = f" (numbers without + read in {region})" if region else " (no + and no desk region)"
    raise InvalidInput(f"{raw!r} is not a valid phone number{read_in}")


@dataclass(frozen=True)
class PostalAddress:
    street: str
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2


_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "square": "sq",
    "highway": "hwy",
    "parkway": "pkwy",
    "terrace": "ter",
    "apartment": "apt",
    "suite": "ste",
    "floor": "fl",
    "building": "bldg",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "strasse": "str",
    "platz": "pl",
}
_UNIT_WORDS = frozenset({"apt", "ste", "unit", "fl", "no", "nr"})
"""Words that only introduce a number ("Apt. 4", "#4", "Nr. 5"): the number carries the meaning."""
_NUMBER = re.compile(r"\d+")


def _fold(text: str) -> str:
    """Accents off, case folded (ß -> ss), punctuation to spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def _street(text: str) -> str:
    words = []
    for word in _fold(text).split():
        if word.endswith("strasse") and word != "strasse":
            word = word[: -len("strasse")] + "str"  # Hauptstraße -> hauptstr
        words.append(_STREET_WORDS.get(word, word))
    return " ".join(words)


@dataclass(frozen=True)
class NormalisedAddress:
    street: str
    postal_code: str
    city: str
    country: str

    @property
    def key(self) -> str:
        """Country and postal code: candidates for a fuzzy match are looked up by this."""
        return f"{self.country}:{self.postal_code}"

    def __str__(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}, {self.country}"


def normalise_address(address: PostalAddress) -> NormalisedAddress:
    country = address.country.strip().upper()
    postal_code = re.sub(r"[\s-]+", "", address.postal_code.upper())
    if country == "US":
        postal_code = postal_code[:5]  # ZIP+4 names the same address
    return NormalisedAddress(_street(address.street), postal_code, _fold(address.city), country)


def address_similarity(a: PostalAddress, b: PostalAddress) -> float:
    """0-100: 0 when country, postal code or house numbers disagree, else a fuzzy ratio."""
    na, nb = normalise_address(a), normalise_address(b)
    if na.country != nb.country:
        return 0.0
    if na.postal_code and nb.postal_code and na.postal_code != nb.postal_code:
        return 0.0
    # "12 main st" and "14 main st" are neighbours, not one household; an apartment number
    # missing on one side still matches ("12 main st" and "12 main st apt 4")
    numbers_a, numbers_b = _NUMBER.findall(na.street), _NUMBER.findall(nb.street)
    shorter, longer = sorted((numbers_a, numbers_b), key=len)
    if any(shorter.count(n) > longer.count(n) for n in shorter):
        return 0.0
    return float(fuzz.token_sort_ratio(_comparable(na), _comparable(nb)))


def _comparable(address: NormalisedAddress) -> str:
    words = f"{address.street} {address.city}".split()
    return " ".join(w for w in words if w not in _UNIT_WORDS)


def normalise_address_line(text: str) -> str:
    """A one-line address folded as streets are ("12 Main Street." -> "12 main st")."""
    folded = _street(text)
    if not folded:
        raise InvalidInput(f"{text!r} is not an address")
    return folded


def identity_form(kind: IdentityKind, value: str, region: str | None) -> str:
    """The normal form stored for one identity, the same on every path that stores one (API,
    e-mail intake, CSV import, demo, routing); raises InvalidInput when it cannot be read."""
    if kind is IdentityKind.EMAIL:
        return normalise_email(value)
    if kind is IdentityKind.PHONE:
        return normalise_phone(value, region)
    return normalise_address_line(value)


@dataclass(frozen=True)
class Identities:
    """What a customer told us about themselves, raw as given."""

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[PostalAddress, ...] = ()
    payment_fingerprints: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownAccount:
    customer_id: int
    identities: Identities


@dataclass(frozen=True)
class AccountLink:
    customer_id: int
    reasons: tuple[str, ...] = field(default=())

    @property
    def explanation(self) -> str:
        return f"account {self.customer_id}: " + "; ".join(self.reasons)


def link_accounts(
    new: Identities,
    candidates: Iterable[KnownAccount],
    *,
    default_region: str | None = None,
    address_threshold: float = 90.0,
) -> list[AccountLink]:
    """The candidate accounts that belong to the same person as `new`, each with its reasons.

    Values that cannot be read (a phone number that is no number) link nothing. Links come
    back ordered by customer id.
    """
    emails = _readable(new.emails, normalise_email)
    phones = _readable(new.phones, lambda raw: normalise_phone(raw, default_region))
    cards = {f.strip() for f in new.payment_fingerprints if f.strip()}
    links: dict[int, list[str]] = {}
    for account in candidates:
        reasons = links.setdefault(account.customer_id, [])
        known = account.identities
        for email in sorted(emails & _readable(known.emails, normalise_email)):
            reasons.append(f"same e-mail {email}")
        for phone in sorted(
            phones & _readable(known.phones, lambda raw: normalise_phone(raw, default_region))
        ):
            reasons.append(f"same phone {phone}")
        for card in sorted(cards & {f.strip() for f in known.payment_fingerprints}):
            reasons.append(f"same payment fingerprint {card}")
        for ours in new.addresses:
            for theirs in known.addresses:
                score = address_similarity(ours, theirs)
                if score >= address_threshold:
                    reasons.append(f"similar address ({score:.0f}%): {normalise_address(theirs)}")
    return [
        AccountLink(customer_id, tuple(dict.fromkeys(reasons)))
        for customer_id, reasons in sorted(links.items())
        if reasons
    ]


def _readable(values: Iterable[str], normalise: Callable[[str], str]) -> set[str]:
    readable = set()
    for value in values:
        try:
            readable.add(normalise(value))
        except InvalidInput:
            continue
    return readable
