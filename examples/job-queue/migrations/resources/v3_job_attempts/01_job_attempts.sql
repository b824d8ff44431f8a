CREATE TABLE job_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error text,
  CONSTRAINT job_attempts__attempt_positive CHECK (attempt > 0),
  CONSTRAINT job_attempts__finished_after_start CHECK (finished_at IS NULL OR finished_at >= started_at),
  CONSTRAINT job_attempts__job_attempt_unique UNIQUE (job_id, attempt)
);

-- Attempts still running: what the reaper looks at.
CREATE INDEX job_attempts__idx__unfinished ON job_attempts (started_at) WHERE finished_at IS NULL;

COMMENT ON TABLE job_attempts IS 'One row per time a worker ran a job';
COMMENT ON COLUMN job_attempts.error IS 'The error the handler raised, NULL when the attempt succeeded or is running';
COMMENT ON COLUMN job_attempts.attempt IS '1 for the first run of a job, then counting up with each retry';
