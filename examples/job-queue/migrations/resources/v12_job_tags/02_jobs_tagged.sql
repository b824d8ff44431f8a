CREATE OR REPLACE FUNCTION jobs_tagged(p_tag text)
RETURNS SETOF jobs
LANGUAGE sql
STABLE
AS $$
  SELECT * FROM jobs WHERE tags @> ARRAY[p_tag] ORDER BY id
$$;
