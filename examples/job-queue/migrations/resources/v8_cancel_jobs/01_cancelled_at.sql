ALTER TABLE jobs ADD COLUMN cancelled_at timestamptz;

ALTER TABLE jobs
  ADD CONSTRAINT jobs__cancelled_has_time CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL) NOT VALID;

ALTER TABLE jobs VALIDATE CONSTRAINT jobs__cancelled_has_time;

CREATE INDEX jobs__idx__cancelled_at ON jobs (cancelled_at) WHERE cancelled_at IS NOT NULL;

COMMENT ON COLUMN jobs.cancelled_at IS 'When cancel_job cancelled the job; set exactly when status is cancelled';
