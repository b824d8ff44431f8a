CREATE OR REPLACE FUNCTION requeue_dead_letter(p_job_id bigint)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE jobs
  SET status = 'queued', attempts = 0, run_at = now()
  WHERE id = p_job_id AND status = 'dead';
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  DELETE FROM dead_letters WHERE job_id = p_job_id;
  RETURN true;
END;
$$;

COMMENT ON FUNCTION requeue_dead_letter(bigint) IS 'Gives a dead job a fresh set of attempts; false when the job is not dead';
