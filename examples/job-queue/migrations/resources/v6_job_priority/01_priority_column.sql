ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 0;

-- Added NOT VALID, then validated: the check scans the table without blocking writes meanwhile.
ALTER TABLE jobs ADD CONSTRAINT jobs__priority_range CHECK (priority BETWEEN -10 AND 10) NOT VALID;

ALTER TABLE jobs VALIDATE CONSTRAINT jobs__priority_range;

COMMENT ON COLUMN jobs.priority IS 'Higher runs first among due jobs of a queue, from -10 to 10';
