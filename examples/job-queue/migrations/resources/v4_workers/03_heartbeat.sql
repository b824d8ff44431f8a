CREATE OR REPLACE FUNCTION worker_heartbeat(p_worker uuid, p_hostname text, p_pid integer)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO workers (id, hostname, pid)
  VALUES (p_worker, p_hostname, p_pid)
  ON CONFLICT (id) DO UPDATE SET last_heartbeat_at = now();
END;
$$;

COMMENT ON FUNCTION worker_heartbeat(uuid, text, integer) IS 'Registers a worker on its first call, then records that it is alive';
