CREATE TABLE workers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  hostname text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT workers__pid_positive CHECK (pid > 0)
);

CREATE INDEX workers__idx__last_heartbeat_at ON workers (last_heartbeat_at);

COMMENT ON COLUMN workers.last_heartbeat_at IS 'Updated every few seconds; a worker silent for a minute is presumed dead';
