-- Written as a script for psql: the BEGIN/COMMIT around it is what every version gets anyway.
BEGIN;

CREATE TABLE job_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id bigint NOT NULL,
  event text NOT NULL,
  status job_status,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE OR REPLACE FUNCTION trigger_record_job_event()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO job_events (job_id, event, status, details)
    VALUES (NEW.id, 'created', NEW.status, jsonb_build_object('queue_id', NEW.queue_id));
  ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO job_events (job_id, event, status, details)
    VALUES (NEW.id, 'status', NEW.status, jsonb_build_object('from', OLD.status, 'attempts', NEW.attempts));
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER record_job_event
AFTER INSERT OR UPDATE OF status ON jobs
FOR EACH ROW
EXECUTE FUNCTION trigger_record_job_event();

CREATE INDEX job_events__idx__at ON job_events (at);

COMMENT ON TABLE job_events IS 'What happened to each job, written by a trigger on jobs';

COMMENT ON FUNCTION trigger_record_job_event() IS 'Writes a job_events row when a job is created or changes status';

COMMIT;
