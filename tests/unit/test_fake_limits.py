"""The fake Bot API server keeps Telegram's sending limits like Telegram: a send that would
break one is refused with 429 and a retry_after in whole seconds."""

from __future__ import annotations

from tests.fakegram.limits import TELEGRAM, LimitKeeper, Limits

GROUP, PRIVATE = -1001, 201


def test_the_twenty_first_group_message_within_a_minute_is_refused_until_the_window_moves() -> None:
    keeper = LimitKeeper(TELEGRAM)
    assert [keeper.admit(GROUP, 100.0 + i) for i in range(20)] == [0.0] * 20
    retry_after = keeper.admit(GROUP, 120.0)
    assert retry_after >= 1 and 100.0 + 60 * (1 - TELEGRAM.slack) - 120.0 <= retry_after
    assert keeper.refused == 1
    assert keeper.admit(GROUP, 160.0) == 0.0, "the first send left the window"


def test_a_private_chat_gets_one_message_a_second_and_other_chats_are_not_held() -> None:
    keeper = LimitKeeper(TELEGRAM)
    assert keeper.admit(PRIVATE, 10.0) == 0.0
    assert keeper.admit(PRIVATE, 10.5) == 1.0
    assert keeper.admit(PRIVATE + 1, 10.5) == 0.0
    assert keeper.admit(PRIVATE, 11.0) == 0.0


def test_thirty_sends_a_second_overall() -> None:
    keeper = LimitKeeper(Limits(private_per_s=1000))
    assert all(keeper.admit(PRIVATE + i, 5.0 + i / 100) == 0.0 for i in range(30))
    assert keeper.admit(PRIVATE + 99, 5.5) == 1.0
    assert keeper.admit(PRIVATE + 99, 6.1) == 0.0
