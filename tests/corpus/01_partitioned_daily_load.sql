-- The README's journey: a partitioned table with a lifecycle, one day loaded with ${bizdate}.
-- bizdate: 20250314
CREATE TABLE IF NOT EXISTS ods_orders (
    order_id BIGINT COMMENT 'order id',
    user_id  BIGINT,
    amount   DECIMAL(10,2),
    status   STRING
) COMMENT 'orders, one partition per business date'
PARTITIONED BY (dt STRING)
LIFECYCLE 30;

INSERT OVERWRITE TABLE ods_orders PARTITION (dt='${bizdate}')
SELECT 1, 100, 9.90, 'paid' UNION ALL
SELECT 2, 100, 20.10, 'paid' UNION ALL
SELECT 3, 200, 5.00, 'refund';

SHOW PARTITIONS ods_orders
/* expect
partition
dt=20250314
*/;

SELECT user_id, COUNT(*) AS orders, SUM(amount) AS total
FROM ods_orders
WHERE dt = '${bizdate}' AND status = 'paid'
GROUP BY user_id
ORDER BY user_id LIMIT 10
/* expect
user_id,orders,total
100,2,30.00
*/;

SELECT * FROM ods_orders WHERE dt = '20250314' AND order_id = 3
/* expect
order_id,user_id,amount,status,dt
3,200,5.00,refund,20250314
*/;
