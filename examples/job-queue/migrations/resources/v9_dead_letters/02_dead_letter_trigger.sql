CREATE OR REPLACE FUNCTION trigger_copy_to_dead_letters()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO dead_letters (job_id, queue_id, payload, last_error)
  SELECT NEW.id, NEW.queue_id, NEW.payload, (
    SELECT a.error FROM job_attempts AS a WHERE a.job_id = NEW.id ORDER BY a.attempt DESC LIMIT 1
  )
  ON CONFLICT (job_id) DO NOTHING;
  RETURN NEW;
END;
$$;

CREATE TRIGGER copy_to_dead_letters
AFTER UPDATE OF status ON jobs
FOR EACH ROW
WHEN (NEW.status = 'dead' AND OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION trigger_copy_to_dead_letters();
