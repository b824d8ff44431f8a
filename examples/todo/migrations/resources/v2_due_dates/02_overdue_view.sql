/* Open notes whose deadline has passed, per list.
   Deleted notes and lists are left out. */
CREATE OR REPLACE VIEW overdue_notes AS
SELECT n.id, n.note, n.deadline, n.priority, l.name AS list_name, l.user_id
FROM notes n
JOIN lists l ON l.id = n.list_id
WHERE n.done = 0
  AND n.deleted_at IS NULL
  AND l.deleted_at IS NULL
  AND n.deadline < now();

CREATE FUNCTION overdue_count(p_user_id integer) RETURNS bigint
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT count(*) FROM overdue_notes WHERE user_id = p_user_id;
END;
