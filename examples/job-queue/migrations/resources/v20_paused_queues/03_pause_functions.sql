CREATE OR REPLACE FUNCTION pause_queue(p_queue text)
RETURNS void
LANGUAGE sql
AS $$
  UPDATE queues SET paused_at = coalesce(paused_at, now()) WHERE name = p_queue
$$;

CREATE OR REPLACE FUNCTION resume_queue(p_queue text)
RETURNS void
LANGUAGE sql
AS $$
  UPDATE queues SET paused_at = NULL WHERE name = p_queue
$$;
