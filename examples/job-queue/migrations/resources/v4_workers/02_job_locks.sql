ALTER TABLE jobs
  ADD COLUMN locked_by uuid,
  ADD COLUMN locked_at timestamptz;

ALTER TABLE jobs
  ADD CONSTRAINT jobs__fk_locked_by FOREIGN KEY (locked_by) REFERENCES workers (id) ON DELETE SET NULL;

ALTER TABLE jobs
  ADD CONSTRAINT jobs__lock_consistent CHECK ((locked_by IS NULL) = (locked_at IS NULL));

CREATE INDEX jobs__idx__locked_by ON jobs (locked_by) WHERE locked_by IS NOT NULL;
