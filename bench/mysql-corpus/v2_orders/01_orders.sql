CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id BIGINT NOT NULL, total DECIMAL(10,2) NOT NULL);
CREATE INDEX orders_customer ON orders (customer_id);
ALTER TABLE orders ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'new';
INSERT INTO orders (customer_id, total) SELECT id, 10.00 FROM customers;
