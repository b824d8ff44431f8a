CREATE TABLE invoices (id BIGINT AUTO_INCREMENT PRIMARY KEY, order_id BIGINT NOT NULL, issued_at DATETIME(6) NULL);
CREATE INDEX invoices_order ON invoices (order_id);
ALTER TABLE customers ADD COLUMN vat_id VARCHAR(20) NULL;
INSERT INTO invoices (order_id) SELECT id FROM orders;
