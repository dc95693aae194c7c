CREATE TABLE acct (id BIGINT, bal BIGINT) TBLPROPERTIES ("transactional"="true");
INSERT INTO TABLE acct VALUES (1, 10), (2, 20), (3, 30);
UPDATE acct SET bal = bal * 2 WHERE id >= 2;
DELETE FROM acct WHERE id = 3;
SELECT id, bal FROM acct ORDER BY id LIMIT 10
/* expect
id,bal
1,10
2,40
*/;
CREATE TABLE plain (id BIGINT);
DELETE FROM plain WHERE id = 1
/* error ODPS-0130071 can only be applied to transactional tables */;
