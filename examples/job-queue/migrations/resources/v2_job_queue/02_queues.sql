CREATE TABLE queues (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  max_attempts integer NOT NULL DEFAULT 5,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT queues__name_unique UNIQUE (name),
  CONSTRAINT queues__name_format CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
  CONSTRAINT queues__max_attempts_range CHECK (max_attempts BETWEEN 1 AND 100)
);

CREATE TRIGGER set_timestamp
BEFORE UPDATE ON queues
FOR EACH ROW
EXECUTE FUNCTION trigger_set_timestamp();

COMMENT ON TABLE queues IS 'Named queues; workers claim jobs from one queue at a time';
