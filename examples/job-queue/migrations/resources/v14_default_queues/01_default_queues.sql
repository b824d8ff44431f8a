-- Every environment gets the queues the application starts with.
INSERT INTO queues (name, max_attempts)
VALUES ('default', 5), ('mail', 10), ('reports', 3)
ON CONFLICT (name) DO NOTHING;

INSERT INTO schedules (queue_id, name, cron, payload, next_run_at)
SELECT id, 'nightly-report', '0 3 * * *', '{"kind": "report", "period": "day"}'::jsonb, date_trunc('day', now()) + interval '1 day 3 hours'
FROM queues
WHERE name = 'reports'
ON CONFLICT (queue_id, name) DO NOTHING;
