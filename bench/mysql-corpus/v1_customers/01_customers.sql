-- The bench's MySQL corpus: five versions of three DDL statements and one DML statement each.
CREATE TABLE customers (id BIGINT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(255) NOT NULL, created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6));
CREATE UNIQUE INDEX customers_email ON customers (email);
ALTER TABLE customers ADD COLUMN name VARCHAR(100) NULL;
INSERT INTO customers (email, name) VALUES ('ada@example.com', 'Ada'), ('grace@example.com', 'Grace');
