"""Offers, files and notices between homeworkers and users in Telegram, end to end."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.storage.schema import MessageRow
from tests.conftest import AppFactory
from tests.fakes import FakeTriage, escalating
from tests.telegram_standin import SentMessage, TelegramStandIn
from tests.test_telegram_door import (
    ALICE,
    DANA,
    OUTAGE,
    register,
    running,
    said,
    said_to,
    wait_until,
)

SAM = 9002


@pytest.fixture
def desk_app(make_app: AppFactory) -> App:
    return make_app(triage=FakeTriage({OUTAGE: escalating("network", "P1")}))


async def edited(standin: TelegramStandIn, offer: SentMessage) -> SentMessage:
    """The offer once the bot has edited it."""

    def changed() -> bool:
        return standin.message(offer.chat_id, offer.message_id).edit_count > 0

    await wait_until(changed)
    return standin.message(offer.chat_id, offer.message_id)


async def offered_to_dana_and_sam(app: App, standin: TelegramStandIn) -> list[SentMessage]:
    standin.user_sends_text(ALICE, OUTAGE)
    await said_to(standin, ALICE, "Your reference is T-1001")
    return [await said_to(standin, chat, "New case waiting") for chat in (DANA, SAM)]


@pytest.mark.asyncio
async def test_when_dana_claims_sams_offer_says_so_and_loses_its_claim_button(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA, skills=("network",))
    register(desk_app, telegram_standin, "sam", SAM, skills=("network",))
    async with running(desk_app, telegram_standin):
        danas, sams = await offered_to_dana_and_sam(desk_app, telegram_standin)
        telegram_standin.user_presses(DANA, danas, "Claim T-1001")
        await said_to(telegram_standin, DANA, "Why second line")

        withdrawn = await edited(telegram_standin, sams)
        assert withdrawn.text == "T-1001 claimed by dana."
        assert withdrawn.buttons == []
        await said_to(telegram_standin, ALICE, "has picked up your request T-1001")
        await asyncio.sleep(0.3)  # a few courier rounds: a second notice would be out by now
    assert said(telegram_standin, ALICE, "has picked up your request") == 1
    assert telegram_standin.message(DANA, danas.message_id).buttons == []
    assert said(telegram_standin, SAM, "claimed by dana") == 1  # edited, not sent anew


@pytest.mark.asyncio
async def test_when_the_user_cancels_every_offer_says_it_is_withdrawn(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA, skills=("network",))
    register(desk_app, telegram_standin, "sam", SAM, skills=("network",))
    async with running(desk_app, telegram_standin):
        offers = await offered_to_dana_and_sam(desk_app, telegram_standin)
        telegram_standin.user_sends_text(ALICE, "/cancel")
        await said_to(telegram_standin, ALICE, "I've cancelled T-1001")
        for offer in offers:
            withdrawn = await edited(telegram_standin, offer)
            assert withdrawn.text == "T-1001 withdrawn: cancelled by the user."
            assert withdrawn.buttons == []


@pytest.mark.asyncio
async def test_a_homeworkers_photo_and_document_reach_the_user_with_masked_captions(
    desk_app: App, telegram_standin: TelegramStandIn
) -> None:
    register(desk_app, telegram_standin, "dana", DANA)
    async with running(desk_app, telegram_standin):
        telegram_standin.user_sends_text(ALICE, "talk to a person")
        await said_to(telegram_standin, DANA, "New case waiting")
        telegram_standin.user_sends_text(DANA, "/claim T-1001")
        await said_to(telegram_standin, DANA, "Why second line")

        telegram_standin.user_sends_photo(DANA, caption="click here; the PIN is 4921 for now")
        await said_to(telegram_standin, DANA, "Sent the photo to the user on T-1001")
        caption = await said_to(telegram_standin, ALICE, "Support team (T-1001): click here")
        photo = await telegram_standin.wait_for_message(ALICE, lambda m: m.kind == "photo")
        telegram_standin.user_sends_document(DANA, b"step 1", "steps.txt")
        await said_to(telegram_standin, DANA, "Sent the document to the user on T-1001")
        await said_to(telegram_standin, ALICE, "Support team (T-1001) sent a document.")
        document = await telegram_standin.wait_for_message(ALICE, lambda m: m.kind == "document")

    assert "4921" not in (caption.text or "")
    assert photo.file_id and document.file_name == "steps.txt"
    with desk_app.sessions() as session:
        rows = session.execute(
            select(MessageRow.text, MessageRow.attachment).where(
                MessageRow.author == "homeworker:dana"
            )
        ).all()
    assert [(text.split()[0], attached["kind"]) for text, attached in rows] == [
        ("[photo]", "photo"),
        ("[document:", "document"),
    ]
    assert all("4921" not in text for text, _ in rows)
