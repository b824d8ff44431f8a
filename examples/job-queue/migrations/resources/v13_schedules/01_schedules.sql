CREATE TABLE schedules (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue_id bigint NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
  name text NOT NULL,
  cron text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  enabled boolean NOT NULL DEFAULT true,
  next_run_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT schedules__queue_name_unique UNIQUE (queue_id, name),
  -- Five fields: minute hour day-of-month month day-of-week.
  CONSTRAINT schedules__cron_fields CHECK (cron ~ '^\S+( \S+){4}$'),
  CONSTRAINT schedules__enabled_has_next_run CHECK (NOT enabled OR next_run_at IS NOT NULL)
);

CREATE INDEX schedules__idx__next_run_at ON schedules (next_run_at) WHERE enabled;

CREATE TRIGGER set_timestamp
BEFORE UPDATE ON schedules
FOR EACH ROW
EXECUTE FUNCTION trigger_set_timestamp();

GRANT SELECT ON schedules TO job_queue_reader;

COMMENT ON TABLE schedules IS 'Recurring jobs: enqueue_due_schedules inserts a job for each schedule whose time has come';
