-- Notes get a priority; existing notes default to normal.
ALTER TABLE notes
  ADD COLUMN priority ENUM('low', 'normal', 'high') NOT NULL DEFAULT 'normal'
  COMMENT 'How urgent the note is; ''normal'' unless set';
