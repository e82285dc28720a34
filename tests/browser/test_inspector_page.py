"""El inspector de frames en Chromium: «Ver frames» lista lo que sale y lo que llega."""

from __future__ import annotations

import pytest

from tests.browser.clients import Stack1, Stack2, expect, say

pytestmark = pytest.mark.gen_test(timeout=20)


@pytest.fixture(params=["stack1", "stack2"])
def client(request, open_page) -> Stack1 | Stack2:
    if request.param == "stack1":
        return Stack1(request.getfixturevalue("stack1_server"), open_page)
    return Stack2(request.getfixturevalue("stack2_server"), open_page)


async def test_see_frames_lists_a_sent_and_a_received_frame(client) -> None:
    watched = await client.open("Ana")
    page = watched.page
    await say(page, "hola, frames")
    await expect(client.chat_lines(page)).to_have_count(1)

    toggle = page.get_by_role("button", name="Ver frames")
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await toggle.click()
    panel = page.get_by_role("region", name="Frames del WebSocket")
    await expect(panel).to_be_visible()
    await expect(page.get_by_role("button", name="Ocultar frames")).to_have_attribute(
        "aria-expanded", "true"
    )
    # Al escribir, la página del Stack 2 envía también un «typing»: contamos el mensaje.
    sent = panel.locator('[data-direction="out"]').filter(has_text="hola, frames")
    received = panel.locator('[data-direction="in"]').filter(has_text="hola, frames")
    await expect(sent).to_have_count(1)
    await expect(sent).to_contain_text("hola, frames")
    await expect(sent.locator(".inspector-head")).to_contain_text("bytes")
    await expect(received).to_have_count(1)
    await expect(panel).to_contain_text("Los ping y pong no salen aquí")


async def test_stack2_frames_are_shown_as_indented_json(stack2_server, open_page) -> None:
    client = Stack2(stack2_server, open_page)
    page = (await client.open()).page
    await say(page, "con sangría")
    await page.get_by_role("button", name="Ver frames").click()
    received = page.locator('.inspector-row[data-direction="in"]').filter(has_text="con sangría")
    await expect(received.locator("pre")).to_contain_text('\n  "type": "message",\n')
