-- MaxCompute's guards: full scan of a partitioned table, ORDER BY without LIMIT.
CREATE TABLE logs (msg STRING) PARTITIONED BY (dt STRING);
INSERT INTO TABLE logs PARTITION (dt='1') VALUES ('a');

SET odps.sql.allow.fullscan=true;
SELECT COUNT(*) AS n FROM logs
/* expect
n
1
*/;

SET odps.sql.allow.fullscan=false;
SELECT msg FROM logs
/* error ODPS-0130071 is full scan with all partitions */;
