"""Threading rules (pure): tokens, references, case tags and the conservative subject match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sopdesk.domain.mail_threading import (
    CaseFacts,
    ThreadClues,
    decide_thread,
    make_reply_token,
    outgoing_message_id,
    read_reply_tokens,
    reply_address,
    subject_key,
    tagged_case,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECRET = "k" * 32
ANN = 10
CASE = CaseFacts(7, ANN, "Card missing from my order", "waiting_customer", NOW - timedelta(days=1))


def test_tokens_are_signed_and_found_in_addresses_and_message_ids() -> None:
    token = make_reply_token(7, SECRET)
    assert reply_address("support@desk.example", 7, SECRET) == f"support+{token}@desk.example"
    assert read_reply_tokens([f"support+{token}@desk.example"], SECRET) == [7]
    assert read_reply_tokens([outgoing_message_id(7, 99, SECRET, "desk.example")], SECRET) == [7]
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert read_reply_tokens([f"support+{forged}@desk.example"], SECRET) == []
    assert read_reply_tokens([f"support+{token}@x"], "another secret") == []


def test_subject_key_drops_prefixes_and_tags_in_many_languages() -> None:
    assert subject_key("Re: AW: Fwd: Card missing [#7]") == "card missing"
    assert subject_key("RE[2]: SV: card   MISSING") == "card missing"
    assert tagged_case("Re: Card missing [#7]") == 7
    assert tagged_case("Order #7") is None


def test_token_wins_even_from_an_unknown_address() -> None:
    clues = ThreadClues(token_case_ids=(7,), subject="totally new words", received_at=NOW)
    assert decide_thread(clues, {7: CASE}).case_id == 7


def test_reference_threads_when_the_subject_changed() -> None:
    clues = ThreadClues(referenced_case_ids=(7,), subject="Different", received_at=NOW)
    decision = decide_thread(clues, {7: CASE})
    assert (decision.case_id, decision.via) == (7, "reference")


def test_client_that_drops_in_reply_to_threads_on_the_case_tag_of_its_customer() -> None:
    clues = ThreadClues(
        tagged_case_id=7, sender_customer_ids=frozenset({ANN}), subject="Re: x [#7]"
    )
    assert decide_thread(clues, {7: CASE}).via == "subject-tag"


def test_case_tag_from_a_stranger_opens_a_new_case() -> None:
    clues = ThreadClues(tagged_case_id=7, sender_customer_ids=frozenset({99}), subject="[#7]")
    assert decide_thread(clues, {7: CASE}).case_id is None


def test_same_subject_from_the_same_customer_within_the_window() -> None:
    clues = ThreadClues(
        sender_customer_ids=frozenset({ANN}),
        subject="RE: Card missing from my order",
        received_at=NOW,
    )
    assert decide_thread(clues, {}, [CASE]).via == "subject"
    late = ThreadClues(
        sender_customer_ids=frozenset({ANN}),
        subject="Card missing from my order",
        received_at=NOW + timedelta(days=10),
    )
    assert decide_thread(late, {}, [CASE]).case_id is None


def test_reply_from_another_address_of_the_same_customer_threads_by_subject() -> None:
    # The engine maps the second address to the same customer through its identities.
    clues = ThreadClues(
        sender_customer_ids=frozenset({ANN, 11}),
        subject="Fwd: card missing from my order",
        received_at=NOW,
    )
    assert decide_thread(clues, {}, [CASE]).case_id == 7


def test_generic_subjects_never_thread_by_subject() -> None:
    hello = CaseFacts(8, ANN, "Hello", "open", NOW)
    clues = ThreadClues(sender_customer_ids=frozenset({ANN}), subject="Re: hello", received_at=NOW)
    assert decide_thread(clues, {}, [hello]).case_id is None


def test_answer_to_a_closed_case_opens_a_follow_up() -> None:
    closed = CaseFacts(7, ANN, "Card missing", "closed", NOW)
    decision = decide_thread(ThreadClues(token_case_ids=(7,)), {7: closed})
    assert (decision.case_id, decision.follows_case_id) == (None, 7)
