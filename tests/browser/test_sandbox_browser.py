"""The sandbox in a real browser: headless Chromium from the OS packages, driven by
Playwright, against ``squadline sandbox`` started as a person starts it.

Where Chromium or Playwright is not installed (``make test`` installs both), these tests are
reported as skipped, with the reason; they never pass without a browser."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import render
from handlers.sandbox.cast import BY_KEY, PLACES
from handlers.sandbox.feed import page_words
from tests.support.sandbox import ROOT, SandboxProcess

pytestmark = pytest.mark.timeout(240)

CHROMIUM = Path("/usr/bin/chromium")
# What works on these machines (see the README's Tests section): no GPU, no sandbox as
# root, and none of Chromium's own calls home. Playwright gives it a new, empty profile.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "var" / "screenshots"
WAIT_MS = 60_000


def chromium_or_skip() -> str:
    """Where Chromium is; the test is skipped, with the reason, where it is not."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(
            f"Chromium is not installed at {CHROMIUM}: make test installs it with apt-get "
            "(as root), and could not here"
        )
    return found


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError as exc:
        pytest.skip(f"Playwright for Python is not installed ({exc}); make test installs it")
    executable = chromium_or_skip()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=FLAGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[SandboxProcess]:
    process = SandboxProcess(tmp_path, "sandbox")
    await process.start()
    try:
        await process.ready()
        yield process
    finally:
        await process.stop()
        await process.close()


async def open_page(browser: Any, sandbox: SandboxProcess) -> Any:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    await page.goto(sandbox.url)
    await page.wait_for_selector("body[data-status=ready]", timeout=WAIT_MS)
    return page


async def test_an_alert_raised_on_the_page_is_accepted_by_a_member_and_the_group_card_changes(
    browser: Any, sandbox: SandboxProcess
) -> None:
    page = await open_page(browser, sandbox)
    group = page.locator('ol[data-chat="group"]')
    newest = max([int(i) for i in await group.locator("li").evaluate_all(
        "items => items.map(li => li.dataset.id)")] or [0])  # fmt: skip

    await page.click('.persona[data-persona="zanele"]')
    composer = page.locator('form[data-where="group"] input')
    await composer.fill(f"/alert they took my phone, I am at the {PLACES[0].name('en').lower()}")
    await composer.press("Enter")

    offer = page.locator('#private-chats li[data-actions~="acc"]').first
    await offer.wait_for(state="attached", timeout=WAIT_MS)
    responder = str(await offer.get_attribute("data-chat"))
    name = BY_KEY[responder].name
    card_id = await first_bot_message_after(group, newest)
    card = group.locator(f'li[data-id="{card_id}"]')
    before = await card.inner_text()
    edits = int(await card.get_attribute("data-edits") or 0)
    assert name not in before, "the card names nobody before someone accepts"

    await page.click(f'.persona[data-persona="{responder}"]')
    await offer.locator('button[data-action="acc"]').click()

    await page.wait_for_function(
        """([id, name, edits]) => {
            const card = document.querySelector(`ol[data-chat="group"] li[data-id="${id}"]`);
            return card && card.innerText.includes(name) && Number(card.dataset.edits) > edits;
        }""",
        arg=[card_id, name, edits],
        timeout=WAIT_MS,
    )
    assert await card.inner_text() != before
    # The precise location reaches the responder alone, as a pin card on the drawn map.
    chat = page.locator(f'#private-chats ol[data-chat="{responder}"]')
    await chat.locator('li[data-from="bot"] .pincard').last.wait_for(timeout=WAIT_MS)
    assert await group.locator('li[data-from="bot"] .pincard').count() == 0
    await page.wait_for_timeout(5000)  # the highlight and the pop-up fade, for the picture
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "sandbox.png"))
    assert page.errors == []


async def first_bot_message_after(group: Any, newest: int) -> int:
    """The id of the bot's first message in the group after ``newest`` (the alert's card)."""
    locator = group.locator('li[data-from="bot"]')
    for _ in range(600):
        ids = [
            int(i) for i in await locator.evaluate_all("items => items.map(li => li.dataset.id)")
        ]
        later = [i for i in ids if i > newest]
        if later:
            return min(later)
        await group.page.wait_for_timeout(100)
    raise AssertionError("the bot posted nothing in the group after the alert")


async def test_a_second_alerts_board_replaces_the_first_on_the_page_and_its_claim_works(
    browser: Any, sandbox: SandboxProcess
) -> None:
    page = await open_page(browser, sandbox)
    group = page.locator('ol[data-chat="group"]')
    newest = max([int(i) for i in await group.locator("li").evaluate_all(
        "items => items.map(li => li.dataset.id)")] or [0])  # fmt: skip
    composer = page.locator('form[data-where="group"] input')
    await page.click('.persona[data-persona="zanele"]')
    await composer.fill(f"/alert they took my phone, I am at the {PLACES[0].name('en').lower()}")
    await composer.press("Enter")
    first = group.locator('li[data-from="bot"][data-actions~="clm"]').last
    await first.wait_for(timeout=WAIT_MS)
    first_id = await first.get_attribute("data-id")
    assert int(first_id or 0) > newest

    # Sam raises another: the board is posted anew with both alerts, one 🙋 button each,
    # and the first one is gone from the page, as it is from Telegram.
    await page.click('.persona[data-persona="sam"]')
    await composer.fill(f"/alert a man follows me at the {PLACES[1].name('en').lower()}")
    await composer.press("Enter")
    board = group.locator(
        'li[data-from="bot"]',
        has=page.locator('button[data-action="clm"] + button[data-action="clm"]'),
    )
    await board.wait_for(timeout=WAIT_MS)
    await group.locator(f'li[data-id="{first_id}"]').wait_for(state="detached", timeout=WAIT_MS)
    claims = board.locator('button[data-action="clm"]')
    assert await claims.count() == 2

    await page.click('.persona[data-persona="bongani"]')
    await claims.last.click()
    await page.wait_for_function(
        """() => [...document.querySelectorAll('ol[data-chat="group"] li[data-from="bot"]')]
            .some(li => li.innerText.includes("Bongani") && Number(li.dataset.edits) > 0)""",
        timeout=WAIT_MS,
    )
    assert page.errors == []


async def test_a_location_is_shared_by_clicking_the_drawn_map_and_the_menu_is_the_bots(
    browser: Any, sandbox: SandboxProcess
) -> None:
    page = await open_page(browser, sandbox)
    await page.click('.persona[data-persona="bongani"]')
    chat = page.locator('#private-chats ol[data-chat="bongani"]')
    pins = await chat.locator(".pincard").count()
    await page.click('form[data-where="private"] button.location')
    await page.locator("#picker svg.grid").click(position={"x": 120, "y": 90})
    await chat.locator('li[data-from="bongani"] .pincard').nth(pins).wait_for(timeout=WAIT_MS)
    assert await page.locator("#picker").get_attribute("open") is None, "the picker closed"
    # The "/" menu lists the commands the bot registered with Telegram, not a list of ours.
    await page.click('form[data-where="group"] button.commands')
    listed = await page.locator("#group-pane .menu button b").all_inner_texts()
    assert "/alert" in listed and "/join" in listed
    await page.locator("#group-pane .menu button", has_text="/help").click()
    assert await page.locator('form[data-where="group"] input').input_value() == "/help "
    assert page.errors == []


async def test_play_a_whole_alert_shows_the_offers_and_the_card_changing_to_the_end(
    browser: Any, sandbox: SandboxProcess
) -> None:
    page = await open_page(browser, sandbox)
    await page.click("#tour")
    # An offer with its Decline button is on the page while the tour waits before pressing.
    await page.wait_for_selector('#private-chats li[data-actions~="dec"]', timeout=WAIT_MS)
    narration = page.locator("#narration")
    await page.wait_for_selector('#narration[data-done="yes"]', timeout=120_000)
    assert await narration.get_attribute("data-stopped") == "no", await narration.inner_text()
    edits = await page.locator('ol[data-chat="group"] li[data-edits]').evaluate_all(
        "items => items.map(li => Number(li.dataset.edits))"
    )
    assert max(edits) >= 2, "the card changed as the alert moved on"
    card = page.locator('ol[data-chat="group"] li[data-from="bot"][data-edits]').last
    assert render("state.closed", None, "en") in await card.inner_text()
    assert await page.locator("#tour").is_enabled()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "sandbox-tour.png"))
    assert page.errors == []


async def test_in_isizulu_the_page_shows_what_was_typed_and_sent_as_text_never_as_html(
    browser: Any, sandbox: SandboxProcess
) -> None:
    page = await open_page(browser, sandbox)
    await page.select_option("#language", "zu")
    await page.wait_for_selector("html[lang=zu] body[data-status=ready]", timeout=WAIT_MS)
    assert await page.locator("#tour").inner_text() == page_words("zu")["tour"]
    placeholder = await page.locator('form[data-where="group"] input').get_attribute("placeholder")
    assert placeholder == page_words("zu")["write_group"]
    # Someone types markup, in the group and as their alias: it shows as the text it is, and
    # the bot's answer that repeats it too.
    typed = '<img src=x onerror="window.hacked=1"><b>hi</b>'
    await page.click('.persona[data-persona="lerato"]')
    group = page.locator('form[data-where="group"] input')
    await group.fill(typed)
    await group.press("Enter")
    alias = "<img src=y onerror=hacked=2>"
    private = page.locator('form[data-where="private"] input')
    await private.fill(f"/alias {alias}")
    await private.press("Enter")
    said = page.locator('ol[data-chat="group"] li[data-from="lerato"] .text', has_text=typed)
    await said.wait_for(timeout=WAIT_MS)
    answer = page.locator('ol[data-chat="lerato"] li[data-from="bot"] .text', has_text=alias)
    await answer.wait_for(timeout=WAIT_MS)
    state = await sandbox.ready()
    sent = next(
        m["text"]
        for m in reversed(state["messages"])
        if m["chat"] == "lerato" and m["from"] == "bot" and alias in m["text"]
    )
    assert await answer.inner_text() == sent, "the bot's message as it sent it"
    assert sent == render("alias.done", {"alias": alias}, "zu")
    assert await page.locator("ol.messages img").count() == 0
    assert await page.evaluate("window.hacked") is None
    assert page.errors == []
