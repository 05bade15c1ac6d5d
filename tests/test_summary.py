"""The handoff card's summary of what the user said, in the user's own words."""

from __future__ import annotations

import pytest

from bot.core.masking import mask_sensitive
from bot.core.summary import MAX_SENTENCE_CHARS, summarize


def test_one_short_message_is_its_own_summary() -> None:
    assert summarize(["vpn down"]) == "vpn down"


def test_greetings_thanks_answers_and_asking_for_a_person_are_dropped() -> None:
    conversation = [
        "hi",
        "My VPN keeps disconnecting every few minutes since this morning.",
        "ok",
        "no",
        "thanks",
        "talk to a person",
    ]
    assert summarize(conversation) == (
        "My VPN keeps disconnecting every few minutes since this morning."
    )


def test_nothing_but_small_talk_gives_an_empty_summary() -> None:
    assert summarize(["hello", "thanks", "yes", "/help", "talk to a person", "  "]) == ""
    assert summarize([]) == ""


def test_a_greeting_and_thanks_around_the_problem_are_cut_off() -> None:
    assert summarize(["Hi, the printer on floor 3 is jammed. Thanks!"]) == (
        "the printer on floor 3 is jammed."
    )
    assert summarize(["Good morning team: outlook won't start, thanks a lot"]) == (
        "outlook won't start"
    )


def test_keeps_the_most_telling_sentences_in_their_order() -> None:
    rambling = [
        "Hello, good morning!",
        "So I came in today and my coffee was cold, which is not IT but whatever.",
        "Anyway, Outlook crashes every time I open it.",
        'It says "Microsoft Outlook has stopped working".',
        "I restarted twice.",
        "My colleague has the same laptop and hers is fine.",
        "Also the whole team can't open the shared calendar since yesterday.",
        "thanks",
        "no",
        "talk to a person",
    ]
    assert summarize(rambling) == (
        "Anyway, Outlook crashes every time I open it. "
        'It says "Microsoft Outlook has stopped working". '
        "Also the whole team can't open the shared calendar since yesterday."
    )
    assert summarize(rambling, max_sentences=2) == (
        "Anyway, Outlook crashes every time I open it. "
        "Also the whole team can't open the shared calendar since yesterday."
    )
    # One sentence: the failure that stops a whole team since yesterday wins.
    assert summarize(rambling, max_sentences=1) == (
        "Also the whole team can't open the shared calendar since yesterday."
    )


def test_the_first_problem_statement_and_the_error_beat_small_details() -> None:
    conversation = [
        "hi",
        "I can't connect to the VPN from home.",
        "I have a Dell laptop.",
        "It is grey.",
        "The VPN client shows error 809.",
        "no",
    ]
    assert summarize(conversation, max_sentences=2) == (
        "I can't connect to the VPN from home. The VPN client shows error 809."
    )


def test_the_opening_statement_wins_over_a_later_detail() -> None:
    assert summarize(["outlook is slow", "my laptop fan is quite loud"], max_sentences=1) == (
        "outlook is slow"
    )


def test_words_repeated_across_messages_make_a_sentence_central() -> None:
    conversation = [
        "I sit near the window",
        "the shared drive is slow",
        "opening files on the shared drive takes minutes",
        "my chair is new",
    ]
    assert summarize(conversation, max_sentences=2) == (
        "the shared drive is slow. opening files on the shared drive takes minutes"
    )


def test_repeated_messages_appear_once() -> None:
    messages = ["wifi keeps dropping", "Wifi  keeps dropping", "wifi keeps dropping!!"]
    assert summarize(messages) == "wifi keeps dropping"


def test_sentences_without_a_full_stop_are_joined_with_one() -> None:
    assert summarize(["teams crashes on start", "since the update nobody can join calls"]) == (
        "teams crashes on start. since the update nobody can join calls"
    )


def test_lines_of_one_message_are_sentences() -> None:
    assert summarize(["hello\nprinter offline\nthanks"]) == "printer offline"


def test_a_long_sentence_is_shortened_at_a_word() -> None:
    sentence = "the sync client fails " + "again and again " * 30 + "after lunch"
    summary = summarize([sentence])
    assert len(summary) <= MAX_SENTENCE_CHARS
    assert summary.endswith("again…")
    assert sentence.startswith(summary[:-1])


def test_shortening_never_leaves_half_a_placeholder() -> None:
    # The 200-character cut falls inside the placeholder, at "[password rem".
    text = "x" * 175 + " and then " + "[password removed] was typed into the box again"
    summary = summarize([text])
    assert summary == "x" * 175 + " and then…"


def test_a_masked_transcript_stays_masked() -> None:
    raw = [
        "hi, my password is Hunter2! and it stopped working since Monday",
        "please call me on 07700 900123, my code was 482913",
        "the card 4111 1111 1111 1111 was charged twice, everyone in finance is affected",
    ]
    masked = [mask_sensitive(message).text for message in raw]
    summary = summarize(masked)
    assert summary == (
        "my password is [password removed] and it stopped working since Monday. "
        # next to "my code", the phone's two groups are read as codes: hidden all the same
        "please call me on [code removed] [code removed], my code was [code removed]. "
        "the card [card number removed] was charged twice, everyone in finance is affected"
    )
    assert mask_sensitive(summary).text == summary
    for secret in ("Hunter2", "07700", "482913", "4111"):
        assert secret not in summary


def test_the_summary_is_deterministic() -> None:
    conversation = [f"problem number {n} with the laptop" for n in range(10)]
    assert summarize(conversation) == summarize(list(conversation))
    assert summarize(conversation) == (
        "problem number 0 with the laptop. problem number 1 with the laptop. "
        "problem number 2 with the laptop"
    )


def test_max_sentences_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        summarize(["vpn down"], max_sentences=0)
