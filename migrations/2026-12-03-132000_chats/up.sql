-- Hashtag chats (services/chats.rs): a teacher here hosts a chat on a hashtag at a
-- time, once or recurring (an RFC 5545 RRULE, expanded in the chat's time zone).
-- The questions and answers are not stored apart: they are the posts carrying the
-- tag (or replying to a question) within an occurrence's window, found when read.
CREATE TABLE chats (
    id BIGINT PRIMARY KEY,
    host_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    -- Lower case, without '#'.
    tag TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- The first occurrence's start on the wall clock of `time_zone` (an IANA name),
    -- which recurrences keep across daylight saving changes; `starts_at` is the same
    -- start as an instant.
    starts_local TIMESTAMP NOT NULL,
    time_zone TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
    -- The RRULE's value ("FREQ=WEEKLY;BYDAY=TH"); NULL: it happens once.
    rrule TEXT,
    -- When the last occurrence ends; NULL: it recurs without end.
    ends_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    cancelled_at TIMESTAMPTZ
);
-- A tag's chats (its iCal feed, "is a chat on this tag going on").
CREATE INDEX chats_tag ON chats (tag, id);
-- A host's chats (the schedule page).
CREATE INDEX chats_host_id ON chats (host_id, id);
-- Chats not over yet (the about page's next chats).
CREATE INDEX chats_not_over ON chats (ends_at) WHERE cancelled_at IS NULL;
