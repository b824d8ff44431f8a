-- Notes get a priority; existing notes default to normal.
CREATE TYPE note_priority AS ENUM ('low', 'normal', 'high');

ALTER TABLE notes
  ADD COLUMN priority note_priority NOT NULL DEFAULT 'normal';

COMMENT ON COLUMN notes.priority IS 'How urgent the note is; ''normal'' unless set';
