-- The reporter in a panic: the contact question is asked once the location is settled, and
-- an unanswered question is not mistaken for a choice; a responder's next text can be a note.

ALTER TABLE alerts ADD COLUMN contact_asked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN contact_answered INTEGER NOT NULL DEFAULT 0;

-- "📝 Add note" was pressed: the next text this person sends in private is that alert's note.
CREATE TABLE note_requests (
    user_id   INTEGER PRIMARY KEY,
    alert_id  INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    until     REAL    NOT NULL
);
