-- Dynamic partitions take the trailing SELECT columns, by position.
CREATE TABLE src (id BIGINT, city STRING, d STRING);
INSERT INTO TABLE src VALUES (1, 'hz', '20250101'), (2, 'sh', '20250101'), (3, 'hz', '20250102');
CREATE TABLE dst (id BIGINT) PARTITIONED BY (dt STRING, city STRING);
INSERT OVERWRITE TABLE dst PARTITION (dt, city) SELECT id, d, city FROM src;
SHOW PARTITIONS dst
/* expect
partition
dt=20250101/city=hz
dt=20250101/city=sh
dt=20250102/city=hz
*/;
SELECT id, dt, city FROM dst WHERE dt = '20250101' ORDER BY id LIMIT 10
/* expect
id,dt,city
1,20250101,hz
2,20250101,sh
*/;
