-- A raid, not a trickle (issue 14).
-- An offer goes in one send; its buttons carry the copy's tag, and only the recorded copy
-- is honoured (the newest sent, recorded before its call, or the one before it when
-- Telegram surely did not take that one; bot/delivery.py), so a member never holds two
-- live offers even when a crash hid whether a copy arrived.
ALTER TABLE offers ADD COLUMN copy TEXT;
-- The squad's board (its one live list of alerts in the group) is coalesced per chat: a
-- pending board message is found by chat, not by alert.
CREATE INDEX outbox_pending_chat ON outbox(chat_id) WHERE state = 'pending';
