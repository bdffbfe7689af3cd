-- Responder check-ins (issue 11): while a responder is on an alert they are asked "Are you
-- safe?" every SQUADLINE_CHECKIN_INTERVAL; no answer within SQUADLINE_CHECKIN_GRACE, or
-- "I need help", pages the leads and raises a linked "responder needs help" alert.
--
-- One row per responder and alert, while they are on its team: it is deleted when they
-- leave the team or the alert ends (what it would say afterwards is not needed). Its next
-- step is a 'checkin' deadline whose ref_id is this row.
CREATE TABLE checkins (
    id             INTEGER PRIMARY KEY,
    alert_id       INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    member_id      INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    started_at     REAL    NOT NULL,
    -- When they pressed Arrived: from then on the alert's location is where they were.
    arrived_at     REAL,
    asked_at       REAL,
    answered_at    REAL,
    -- waiting: the next question is due; asked: a question waits for its answer (its grace
    -- is the pending deadline); ok, help, missed: how the last one ended (the next is due).
    state          TEXT    NOT NULL DEFAULT 'waiting'
                   CHECK (state IN ('waiting', 'asked', 'ok', 'help', 'missed')),
    -- The "responder needs help" alert raised for them, so a second miss pages the leads
    -- again instead of raising another while the first is still open.
    help_alert_id  INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
    UNIQUE (alert_id, member_id)
);
CREATE INDEX checkins_member ON checkins(member_id);
