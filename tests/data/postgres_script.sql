-- A script run through `psql -f` and through stdin on both servers.
CREATE TABLE orders (id SERIAL PRIMARY KEY, item VARCHAR(20), qty INT);
INSERT INTO orders (item, qty) VALUES ('apple', 3), ('pear', 5);
SELECT * FROM orders;
SELECT * FROM missing;
UPDATE orders SET qty = 10 WHERE item = 'pear';
SELECT id,
       nosuch
FROM orders;
SELEC 2;
SELECT item, qty
  FROM orders
 WHERE qty > 4;
BEGIN;
INSERT INTO orders (item, qty) VALUES ('plum', 1);
SELECT * FROM missing;
SELECT 1;
ROLLBACK;
SELECT count(*) FROM orders;
SELECT query FROM pg_stat_activity
 WHERE backend_type = 'client backend';
BEGIN;
SELECT count(*) FROM pg_stat_activity WHERE xact_start < query_start;
COMMIT;
\dt
DROP TABLE orders;
\dt
SELECT 'no semicolon at the end'
