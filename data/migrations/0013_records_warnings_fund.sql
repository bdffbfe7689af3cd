-- Evidence, warnings and the emergency fund (issue 13).

-- When the first responder pressed Arrived: reports give the median time to arrive.
ALTER TABLE alerts ADD COLUMN arrived_at REAL;

-- The case record offered at closing: categories only, never free text. Lists are
-- comma-separated codes from fixed sets (bot/records/model.py). consent is the survivor's
-- consent ladder ('record', 'count', 'warn', 'police'); NULL: not asked (record only).
CREATE TABLE case_records (
    alert_id     INTEGER PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
    violations   TEXT    NOT NULL DEFAULT '',
    perpetrator  TEXT,
    services     TEXT    NOT NULL DEFAULT '',
    consent      TEXT CHECK (consent IN ('record', 'count', 'warn', 'police')),
    updated_at   REAL    NOT NULL
);

-- Warnings to the squad's members about a dangerous person. No link to the case, the
-- survivor or the reporter: the violations, a description, a vehicle, an area label and a
-- day. A draft waits for its issuer's words (awaiting), then for a lead's approval; once
-- sent it is deleted SQUADLINE_WARNING_DAYS later (expires_at).
CREATE TABLE warnings (
    id                 INTEGER PRIMARY KEY,
    squad_id           INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    issuer_member_id   INTEGER REFERENCES members(id) ON DELETE SET NULL,
    violations         TEXT    NOT NULL DEFAULT '',
    description        TEXT    NOT NULL DEFAULT '',
    vehicle            TEXT    NOT NULL DEFAULT '',
    area               TEXT    NOT NULL DEFAULT '',
    day                TEXT    NOT NULL,            -- YYYY-MM-DD, in the squad's time zone
    state              TEXT    NOT NULL DEFAULT 'draft'
                       CHECK (state IN ('draft', 'pending', 'sent', 'rejected')),
    awaiting           TEXT CHECK (awaiting IN ('description', 'vehicle')),
    awaiting_until     REAL,
    decided_by         INTEGER REFERENCES members(id) ON DELETE SET NULL,
    created_at         REAL    NOT NULL,
    sent_at            REAL,
    expires_at         REAL
);
CREATE INDEX warnings_squad ON warnings(squad_id, state);

-- The emergency fund: one currency per squad, and the amount above which two leads must
-- approve (NULL: SQUADLINE_FUND_SECOND_APPROVAL).
ALTER TABLE squads ADD COLUMN fund_currency TEXT;
ALTER TABLE squads ADD COLUMN fund_second_approval TEXT;

-- The ledger. Amounts are exact decimals kept as text ('12.50'), never floats. A deposit
-- is 'added'; a request goes choosing (no purpose yet) -> pending -> approved -> paid, or
-- rejected. A member erased by /forgetme leaves NULL: "a former member".
CREATE TABLE fund_entries (
    id               INTEGER PRIMARY KEY,
    squad_id         INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL CHECK (kind IN ('deposit', 'request')),
    amount           TEXT    NOT NULL,
    purpose          TEXT,
    note             TEXT    NOT NULL DEFAULT '',
    state            TEXT    NOT NULL CHECK (state IN
                     ('added', 'choosing', 'pending', 'approved', 'rejected', 'paid')),
    member_id        INTEGER REFERENCES members(id) ON DELETE SET NULL,
    needs_approvals  INTEGER NOT NULL DEFAULT 1,
    rejected_by      INTEGER REFERENCES members(id) ON DELETE SET NULL,
    receipt          TEXT CHECK (receipt IN ('photo', 'none', 'erased')),
    receipt_file_id  TEXT,
    receipt_until    REAL,                          -- the next private photo is the receipt
    created_at       REAL    NOT NULL,
    decided_at       REAL,
    paid_at          REAL
);
CREATE INDEX fund_entries_squad ON fund_entries(squad_id, state);
CREATE INDEX fund_entries_member ON fund_entries(member_id);

-- Who approved a request (one row per lead; NULL once that lead is erased).
CREATE TABLE fund_approvals (
    entry_id   INTEGER NOT NULL REFERENCES fund_entries(id) ON DELETE CASCADE,
    member_id  INTEGER REFERENCES members(id) ON DELETE SET NULL,
    at         REAL    NOT NULL,
    UNIQUE (entry_id, member_id)
);
CREATE INDEX fund_approvals_entry ON fund_approvals(entry_id);
