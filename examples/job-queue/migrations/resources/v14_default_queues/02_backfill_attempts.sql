-- jobs.attempts was not kept up to date by the first worker release: count the attempts again.
UPDATE jobs AS j
SET attempts = a.attempts
FROM (
  SELECT job_id, max(attempt) AS attempts
  FROM job_attempts
  GROUP BY job_id
) AS a
WHERE a.job_id = j.id
  AND j.attempts <> a.attempts;

-- Jobs queued without a kind go to the default handler.
UPDATE jobs
SET payload = jsonb_set(payload, '{kind}', '"default"')
WHERE NOT payload ? 'kind';
