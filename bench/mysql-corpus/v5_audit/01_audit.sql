CREATE TABLE audit_log (id BIGINT AUTO_INCREMENT PRIMARY KEY, entity VARCHAR(40) NOT NULL, entity_id BIGINT NOT NULL, at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6));
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
ALTER TABLE orders ADD COLUMN updated_at DATETIME(6) NULL;
UPDATE orders SET status = 'open' WHERE status = 'new';
