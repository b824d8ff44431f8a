-- The reaper: jobs held by a worker that stopped sending heartbeats go back to the queue.
CREATE OR REPLACE FUNCTION release_stale_jobs(p_silence interval DEFAULT interval '1 minute')
RETURNS integer
LANGUAGE plpgsql
AS $reaper$
DECLARE
  released integer;
BEGIN
  UPDATE jobs AS j
  SET status = 'queued', locked_by = NULL, locked_at = NULL
  FROM workers AS w
  WHERE j.locked_by = w.id
    AND j.status = 'running'
    AND w.last_heartbeat_at < now() - p_silence;
  GET DIAGNOSTICS released = ROW_COUNT;
  RETURN released;
END;
$reaper$;

COMMENT ON FUNCTION release_stale_jobs(interval) IS 'Requeues running jobs of workers silent for longer than p_silence; returns how many';
