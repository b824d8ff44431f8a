ALTER TABLE jobs ADD COLUMN tags text[] NOT NULL DEFAULT '{}';

CREATE INDEX jobs__idx__tags ON jobs USING gin (tags);

-- Lookups by the handler kind in the payload.
CREATE INDEX jobs__idx__payload_kind ON jobs ((payload ->> 'kind'));

CREATE INDEX jobs__idx__payload_kind_lower ON jobs (lower(payload ->> 'kind')) WHERE status IN ('queued', 'running');

COMMENT ON COLUMN jobs.tags IS 'Free-form labels set by the producer (tenant, batch, …), searched with @>';
