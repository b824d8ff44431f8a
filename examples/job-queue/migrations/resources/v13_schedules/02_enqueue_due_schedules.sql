CREATE OR REPLACE FUNCTION enqueue_due_schedules(p_step interval DEFAULT interval '1 hour')
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  due record;
  enqueued integer := 0;
BEGIN
  FOR due IN
    SELECT * FROM schedules WHERE enabled AND next_run_at <= now() ORDER BY next_run_at FOR UPDATE SKIP LOCKED
  LOOP
    INSERT INTO jobs (queue_id, payload) VALUES (due.queue_id, due.payload || jsonb_build_object('schedule', due.name));
    -- The cron text is read by the scheduler process; here the next run is at least one step later.
    UPDATE schedules SET next_run_at = greatest(next_run_at + p_step, now()) WHERE id = due.id;
    enqueued := enqueued + 1;
  END LOOP;
  RETURN enqueued;
END;
$$;

CREATE INDEX jobs__idx__schedule ON jobs ((payload ->> 'schedule')) WHERE payload ? 'schedule';
