"""Identity normalisation and account linking: e-mail, phone, postal address, payment card.

Each link must say why, in words the escalation matrix's reader understands.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopdesk.domain.cases import IdentityKind
from sopdesk.domain.identity import (
    MAIL_PROVIDERS,
    AccountLink,
    Identities,
    KnownAccount,
    MailProvider,
    PostalAddress,
    address_similarity,
    email_address,
    identity_form,
    link_accounts,
    normalise_address,
    normalise_address_line,
    normalise_email,
    normalise_phone,
)
from sopdesk.errors import InvalidInput

SPRINGFIELD = PostalAddress("12 Main Street, Apt. 4", "62701-1234", "Springfield", "us")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("J.O.Hn.Doe+Shop@GoogleMail.com", "johndoe@gmail.com"),
        ("john.doe@gmail.com", "johndoe@gmail.com"),
        ("  Anna+orders@Outlook.com ", "anna@outlook.com"),
        ("anna.smith+x@hotmail.co.uk", "anna.smith@hotmail.co.uk"),  # Outlook keeps dots
        ("k+1@icloud.com", "k@icloud.com"),
        ("k+1@me.com", "k@me.com"),  # aliases stay distinct domains; only Gmail's merge
        ("jo+help@fastmail.com", "jo@fastmail.com"),
        ("jo+help@proton.me", "jo@proton.me"),
        ("Jo.Doe+tag@Example.COM", "jo.doe+tag@example.com"),  # unknown provider: case only
        ("user@example.com.", "user@example.com"),
    ],
)
def test_normalise_email(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "no-at-sign", "@gmail.com", "a@localhost", "a b@x.com"])
def test_not_an_email_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="not an e-mail address"):
        normalise_email(raw)


def test_a_gmail_address_that_is_only_a_tag_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no mailbox name"):
        normalise_email("+spam@gmail.com")


def test_the_provider_list_is_data_a_desk_can_extend() -> None:
    assert any(p.name == "Gmail" and p.ignores_dots for p in MAIL_PROVIDERS)
    corporate = {"acme.test": MailProvider("Acme", frozenset({"acme.test"}), ignores_dots=True)}
    assert normalise_email("first.last+x@acme.test", corporate) == "firstlast@acme.test"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+49 151 12345678", "US", "+4915112345678"),
        ("0151 1234 5678", "DE", "+4915112345678"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("201.555.0123", "us", "+12015550123"),
        ("+1 201 555 0123", "DE", "+12015550123"),
        ("020 7946 0958", "GB", "+442079460958"),
    ],
)
def test_normalise_phone_to_e164(raw: str, region: str, expected: str) -> None:
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        # the pair: from the API with "+", from a CSV file as digits only
        ("+442079460958", "DE", "+442079460958"),
        ("442079460958", "DE", "+442079460958"),  # DE dials national numbers with 0: not one
        ("442079460958", "GB", "+442079460958"),
        ("442079460958", None, "+442079460958"),  # no region: digits carry their country code
        ("0044 20 7946 0958", None, "+442079460958"),
        ("0044 20 7946 0958", "DE", "+442079460958"),  # 00 is DE's international prefix
        ("030 1234567", "DE", "+49301234567"),  # a leading 0: national
        ("2015550123", "US", "+12015550123"),  # NANP: 10 digits are national first
        ("12015550123", "US", "+12015550123"),
        ("4915112345678", "GB", "+4915112345678"),
    ],
)
def test_a_number_without_plus_is_read_by_the_desk_region_rule(
    raw: str, region: str | None, expected: str
) -> None:
    assert normalise_phone(raw, region) == expected


def test_without_a_region_a_national_number_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no desk region"):
        normalise_phone("030 1234567")


def test_identity_form_is_the_one_normal_form_of_each_kind() -> None:
    assert identity_form(IdentityKind.EMAIL, "J.Doe+x@GMail.com", None) == "jdoe@gmail.com"
    assert identity_form(IdentityKind.PHONE, "442079460958", "DE") == "+442079460958"
    assert identity_form(IdentityKind.PHONE, "+44 20 7946 0958", "US") == "+442079460958"
    assert identity_form(IdentityKind.ADDRESS, " 12 Main Street. ", None) == "12 main st"
    assert normalise_address_line("Hauptstraße 5") == "hauptstr 5"
    with pytest.raises(InvalidInput):
        identity_form(IdentityKind.ADDRESS, " ,. ", None)


def test_the_mailbox_address_keeps_dots_and_tags_but_not_case() -> None:
    assert email_address(" J.Doe+x@GMail.com ") == "j.doe+x@gmail.com"
    with pytest.raises(InvalidInput, match="not an e-mail address"):
        email_address("nobody")


@pytest.mark.parametrize("raw", ["not a number", "123", "+49 1"])
def test_not_a_phone_number_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="phone number"):
        normalise_phone(raw, "DE")


def test_normalise_address() -> None:
    assert str(normalise_address(SPRINGFIELD)) == "12 main st apt 4, 62701 springfield, US"
    berlin = normalise_address(PostalAddress("Hauptstraße 5", "10115", "Berlin", "de"))
    assert berlin.street == "hauptstr 5"
    assert berlin.key == "DE:10115"
    assert normalise_address(PostalAddress("1 Rue Général", "sw1a 1aa", "X", "GB")).postal_code == (
        "SW1A1AA"
    )


@pytest.mark.parametrize(
    ("other", "similar"),
    [
        (PostalAddress("12 main st apt 4", "62701", "SPRINGFIELD", "US"), True),  # same, written
        (PostalAddress("12 Mian Street #4", "62701", "Springfeld", "US"), True),  # typos
        (PostalAddress("12 Main St", "62701", "Springfield", "US"), True),  # no apartment given
        (PostalAddress("14 Main Street, Apt. 4", "62701", "Springfield", "US"), False),  # neighbour
        (PostalAddress("12 Main Street, Apt. 5", "62701", "Springfield", "US"), False),
        (PostalAddress("12 Oak Avenue, Apt. 4", "62701", "Springfield", "US"), False),
        (PostalAddress("12 Main Street, Apt. 4", "62702", "Springfield", "US"), False),
        (PostalAddress("12 Main Street, Apt. 4", "62701", "Springfield", "CA"), False),
    ],
)
def test_address_similarity_at_the_default_threshold(other: PostalAddress, similar: bool) -> None:
    assert (address_similarity(SPRINGFIELD, other) >= 90) is similar


def test_similarity_is_symmetric_and_german_street_forms_match() -> None:
    a = PostalAddress("Hauptstraße 5", "10115", "Berlin", "DE")
    b = PostalAddress("Hauptstr. 5", "10115", "berlin", "de")
    assert address_similarity(a, b) == address_similarity(b, a) == 100.0


def test_link_accounts_says_why() -> None:
    new = Identities(
        emails=("J.Doe+shop@googlemail.com",),
        phones=("0151 12345678",),
        addresses=(SPRINGFIELD,),
        payment_fingerprints=("fp_abc",),
    )
    candidates = [
        KnownAccount(9, Identities(phones=("+49 151 12345678",))),
        KnownAccount(3, Identities(emails=("jdoe@gmail.com", "other@example.com"))),
        KnownAccount(
            5, Identities(addresses=(PostalAddress("12 Main St #4", "62701", "Springfield", "US"),))
        ),
        KnownAccount(7, Identities(emails=("someone@else.com",), phones=("+4915199999999",))),
        KnownAccount(11, Identities(payment_fingerprints=("fp_abc",))),
    ]
    links = link_accounts(new, candidates, default_region="DE")
    assert links == [
        AccountLink(3, ("same e-mail jdoe@gmail.com",)),
        AccountLink(5, ("similar address (100%): 12 main st 4, 62701 springfield, US",)),
        AccountLink(9, ("same phone +4915112345678",)),
        AccountLink(11, ("same payment fingerprint fp_abc",)),
    ]
    assert links[2].explanation == "account 9: same phone +4915112345678"


def test_one_account_can_match_several_ways_and_each_reason_is_kept() -> None:
    new = Identities(emails=("ann@outlook.com",), phones=("+1 201 555 0123",))
    known = KnownAccount(4, Identities(emails=("Ann+returns@Outlook.com",), phones=("2015550123",)))
    (link,) = link_accounts(new, [known], default_region="US")
    assert link.reasons == ("same e-mail ann@outlook.com", "same phone +12015550123")


def test_a_national_number_links_only_where_the_desk_reads_it() -> None:
    new = Identities(phones=("+1 201 555 0123",))
    known = KnownAccount(4, Identities(phones=("2015550123",)))
    assert link_accounts(new, [known]) == []  # no region: "2015550123" is +20 15550123 or nothing


def test_address_threshold_is_a_parameter() -> None:
    new = Identities(addresses=(SPRINGFIELD,))
    typo = KnownAccount(
        2, Identities(addresses=(PostalAddress("12 Mian Street #4", "62701", "Springfeld", "US"),))
    )
    assert link_accounts(new, [typo], address_threshold=90)
    assert not link_accounts(new, [typo], address_threshold=99)


def test_unreadable_values_link_nothing_instead_of_failing() -> None:
    new = Identities(emails=("not-an-email",), phones=("call me",))
    known = KnownAccount(1, Identities(emails=("not-an-email",), phones=("call me",)))
    assert link_accounts(new, [known]) == []


@settings(max_examples=200, deadline=None)
@given(st.emails(), st.sampled_from(["gmail.com", "outlook.com", "example.org"]))
def test_normalising_twice_changes_nothing(address: str, domain: str) -> None:
    for candidate in (address, address.rpartition("@")[0] + "@" + domain):
        try:
            once = normalise_email(candidate)
        except InvalidInput:
            continue  # e.g. a Gmail address that is only a tag
        assert normalise_email(once) == once
        assert once == once.lower()


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2012000000, max_value=9899999999))
def test_phone_normalisation_is_idempotent(digits: int) -> None:
    try:
        e164 = normalise_phone(str(digits), "US")
    except InvalidInput:
        return
    # national in the US first; digits that are no US number may carry a country code
    assert e164 == f"+1{digits}" or not e164.startswith("+1")
    assert normalise_phone(e164, "DE") == e164
