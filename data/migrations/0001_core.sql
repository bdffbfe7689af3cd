-- Core loop: squads, members, locations, places, alerts, offers, deadlines,
-- message mapping, outbox and audit.

CREATE TABLE squads (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    invite_token  TEXT    NOT NULL UNIQUE,
    created_at    REAL    NOT NULL
);

-- One row per Telegram user who ever opened a private chat with the bot.
CREATE TABLE users (
    user_id          INTEGER PRIMARY KEY,
    private_chat_id  INTEGER,             -- NULL: never opened a private chat
    blocked          INTEGER NOT NULL DEFAULT 0,  -- 1: Telegram said 403
    updated_at       REAL    NOT NULL
);

CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    squad_id      INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    alias         TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('lead', 'member', 'observer')),
    availability  TEXT    NOT NULL DEFAULT 'available'
                  CHECK (availability IN ('available', 'busy', 'off')),
    joined_at     REAL    NOT NULL,
    UNIQUE (squad_id, user_id)
);
CREATE INDEX members_user ON members(user_id);

-- A person's last known location (one per user, shared by all their squads).
CREATE TABLE user_locations (
    user_id     INTEGER PRIMARY KEY,
    lat         REAL    NOT NULL,
    lon         REAL    NOT NULL,
    accuracy    REAL,
    live_until  REAL,
    at          REAL    NOT NULL
);

CREATE TABLE places (
    id        INTEGER PRIMARY KEY,
    squad_id  INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    name      TEXT    NOT NULL,
    name_key  TEXT    NOT NULL,
    lat       REAL    NOT NULL,
    lon       REAL    NOT NULL,
    UNIQUE (squad_id, name_key)
);

CREATE TABLE alerts (
    id                INTEGER PRIMARY KEY,
    squad_id          INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    code              TEXT    NOT NULL UNIQUE,
    reporter_user_id  INTEGER NOT NULL,
    origin            TEXT    NOT NULL CHECK (origin IN ('group', 'private')),
    origin_chat_id    INTEGER NOT NULL,
    origin_message_id INTEGER,
    text              TEXT    NOT NULL DEFAULT '',
    lat               REAL,
    lon               REAL,
    area_label        TEXT,
    state             TEXT    NOT NULL CHECK (state IN
                      ('new', 'offered', 'acknowledged', 'en_route', 'on_scene',
                       'escalated', 'closed', 'cancelled')),
    owner_member_id   INTEGER REFERENCES members(id) ON DELETE SET NULL,
    broadcast         INTEGER NOT NULL DEFAULT 0,
    offers_made       INTEGER NOT NULL DEFAULT 0,
    escalations       INTEGER NOT NULL DEFAULT 0,
    outcome           TEXT,
    note              TEXT,
    created_at        REAL    NOT NULL,
    acknowledged_at   REAL,
    closed_at         REAL
);
CREATE INDEX alerts_squad_state ON alerts(squad_id, state);
-- One alert per /alert message: a redelivered update cannot create a second one.
CREATE UNIQUE INDEX alerts_origin ON alerts(origin_chat_id, origin_message_id)
    WHERE origin_message_id IS NOT NULL;

CREATE TABLE offers (
    id           INTEGER PRIMARY KEY,
    alert_id     INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    distance_m   REAL,
    offered_at   REAL    NOT NULL,
    answer       TEXT CHECK (answer IN
                 ('accepted', 'declined', 'timeout', 'withdrawn', 'cancelled')),
    answered_at  REAL,
    UNIQUE (alert_id, member_id)
);

-- Deadlines are rows; the in-process timer only wakes the runner up.
CREATE TABLE deadlines (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('location', 'ack', 'escalate')),
    alert_id      INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    offer_id      INTEGER REFERENCES offers(id) ON DELETE CASCADE,
    due_at        REAL    NOT NULL,
    fired_at      REAL,
    cancelled_at  REAL
);
CREATE INDEX deadlines_pending ON deadlines(due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Which Telegram message shows what, so buttons and edits survive a restart.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER REFERENCES alerts(id) ON DELETE CASCADE,
    member_id   INTEGER,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    role        TEXT    NOT NULL,
    created_at  REAL    NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX messages_alert_role ON messages(alert_id, role);

-- Outbound intents, written in the same transaction as the state change.
CREATE TABLE outbox (
    id                   INTEGER PRIMARY KEY,
    priority             INTEGER NOT NULL,
    chat_id              INTEGER NOT NULL,
    alert_id             INTEGER REFERENCES alerts(id) ON DELETE CASCADE,
    member_id            INTEGER,
    payload              TEXT    NOT NULL,
    -- sending: a call was started and its result is not recorded (unknown if delivered)
    state                TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'superseded')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    not_before           REAL    NOT NULL DEFAULT 0,
    first_failed_at      REAL,             -- when sending it first failed (network, 5xx)
    reported             INTEGER NOT NULL DEFAULT 0,  -- leads were told it is stuck
    created_at           REAL    NOT NULL,
    sent_at              REAL,
    telegram_message_id  INTEGER,
    error                TEXT
);
CREATE INDEX outbox_pending ON outbox(priority, id) WHERE state IN ('pending', 'sending');

-- Durable intake: every fetched update is stored before the polling offset moves past it.
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    raw          TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    not_before   REAL    NOT NULL DEFAULT 0,
    received_at  REAL    NOT NULL,
    done_at      REAL
);
CREATE INDEX inbox_pending ON inbox(update_id) WHERE state = 'pending';

-- Every message the bot started to send, so Telegram's limits hold across a restart.
CREATE TABLE send_log (
    id       INTEGER PRIMARY KEY,
    chat_id  INTEGER NOT NULL,
    at       REAL    NOT NULL
);
CREATE INDEX send_log_at ON send_log(at);

-- Small durable values, e.g. the polling offset.
CREATE TABLE kv (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Who did what and when; never free text or coordinates.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    squad_id  INTEGER,
    actor     INTEGER,
    action    TEXT    NOT NULL,
    target    TEXT,
    at        REAL    NOT NULL
);
