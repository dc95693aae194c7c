CREATE TABLE t (a BIGINT);
INSERT INTO TABLE t VALUES (3), (1), (2);
SELECT a FROM t ORDER BY a DESC LIMIT 2
/* expect
a
3
2
*/;
SELECT a FROM t ORDER BY a
/* error ODPS-0130071 ORDER BY must be used with a LIMIT clause */;
