CREATE TABLE dead_letters (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id bigint NOT NULL UNIQUE,
  queue_id bigint NOT NULL REFERENCES queues (id),
  payload jsonb NOT NULL,
  last_error text,
  died_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX dead_letters__idx__queue_id_died_at ON dead_letters (queue_id, died_at DESC);

COMMENT ON TABLE dead_letters IS 'Jobs that failed max_attempts times, with their last error, kept for inspection and requeueing';
