-- Squads in their own languages (issue 10): a person's chosen language, the Telegram
-- language they last wrote with (kept only when the bot speaks it), and the squad's.
ALTER TABLE users ADD COLUMN language TEXT;
ALTER TABLE users ADD COLUMN telegram_language TEXT;
ALTER TABLE squads ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
