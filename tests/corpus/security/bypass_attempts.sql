-- Attempts to reach production data without a grant. Each case starts with `-- case: NAME`
-- (optional `-- env: prod`); the test runs it as a Developer with no grants: all must be
-- refused before anything runs.

-- case: plain
SELECT * FROM shop.users;
-- case: upper case
SELECT * FROM SHOP.USERS;
-- case: mixed case
select id from Shop.Users;
-- case: backticks
SELECT * FROM `shop`.`users`;
-- case: backticks mixed case
SELECT * FROM `SHOP`.`Users`;
-- case: spaces around the dot
SELECT * FROM shop . users;
-- case: block comment between
SELECT * FROM /* dev only */ shop.users;
-- case: leading line comment
-- harmless
SELECT * FROM shop.users;
-- case: semicolon in a string, then the read
SELECT ';' AS s; SELECT * FROM shop.users;
-- case: second statement of a script
SELECT 1; SELECT id FROM shop.users;
-- case: CTE body
WITH u AS (SELECT * FROM shop.users) SELECT * FROM u;
-- case: CTE named like a dev table
WITH t AS (SELECT id AS a FROM shop.users) SELECT * FROM t;
-- case: CTE in a later CTE
WITH a AS (SELECT 1 AS x), b AS (SELECT id FROM shop.users) SELECT * FROM a, b;
-- case: nested CTE inside a subquery
SELECT * FROM (WITH u AS (SELECT id FROM shop.users) SELECT * FROM u) s;
-- case: CTE out of scope (prod default)
-- env: prod
SELECT * FROM (WITH users AS (SELECT 1 AS x) SELECT * FROM users) a JOIN users b ON a.x = b.id;
-- case: unqualified name in prod
-- env: prod
SELECT * FROM users;
-- case: subquery in FROM
SELECT * FROM (SELECT * FROM shop.users) s;
-- case: subquery in WHERE
SELECT a FROM t WHERE a IN (SELECT id FROM shop.users);
-- case: EXISTS
SELECT a FROM t WHERE EXISTS (SELECT 1 FROM shop.users WHERE id = a);
-- case: scalar subquery in the select list
SELECT (SELECT max(phone) FROM shop.users) AS p;
-- case: UNION branch
SELECT a FROM t UNION ALL SELECT id FROM shop.users;
-- case: JOIN
SELECT t.a FROM t JOIN shop.users u ON t.a = u.id;
-- case: LATERAL VIEW over a prod table
SELECT x FROM shop.users LATERAL VIEW explode(split(phone, '')) e AS x;
-- case: view over a prod table
SELECT * FROM v_users;
-- case: view over a view over a prod table
SELECT * FROM v_users2;
-- case: view through a CTE
WITH x AS (SELECT * FROM shop_dev.v_users) SELECT * FROM x;
-- case: creating a view over prod
CREATE VIEW v_new AS SELECT * FROM shop.users;
-- case: CTAS copy into dev
CREATE TABLE copy_users AS SELECT * FROM shop.users;
-- case: CREATE TABLE LIKE reads the schema
CREATE TABLE like_users LIKE shop.users;
-- case: INSERT INTO dev SELECT from prod
INSERT INTO TABLE t SELECT id FROM shop.users;
-- case: multi-insert FROM prod
FROM shop.users INSERT INTO TABLE t SELECT id;
-- case: write into prod
INSERT INTO TABLE shop.users SELECT a, 'x', 'x', 'x', 'x' FROM t;
-- case: overwrite prod partition
INSERT OVERWRITE TABLE shop.orders PARTITION (dt = '20250314') SELECT 1, 1;
-- case: create a prod table
CREATE TABLE shop.evil (a BIGINT);
-- case: drop a prod table
DROP TABLE shop.users;
-- case: truncate a prod table
TRUNCATE TABLE shop.users;
-- case: alter a prod table
ALTER TABLE shop.users SET LIFECYCLE 1;
-- case: DESC a prod table
DESC shop.users;
-- case: DESCRIBE EXTENDED
DESCRIBE EXTENDED shop.users;
-- case: SHOW PARTITIONS
SHOW PARTITIONS shop.orders;
-- case: SHOW CREATE TABLE
SHOW CREATE TABLE shop.users;
-- case: three-part name with the namespace flag
SET odps.namespace.schema=true; SELECT * FROM shop.default.users;
-- case: parameter that names the project
SELECT * FROM ${src}.users;
-- case: table function
SELECT * FROM read_csv('/etc/passwd');
-- case: cannot be parsed
SELEC * FROM shop.users;
-- case: rename a dev table into prod
ALTER TABLE t RENAME TO shop.stolen;
-- case: replace a prod view
CREATE OR REPLACE VIEW shop.v_open AS SELECT a FROM t;
-- case: INTERSECT branch
SELECT a FROM t INTERSECT SELECT id FROM shop.users;
-- case: recursive CTE over prod
WITH RECURSIVE r AS (SELECT id FROM shop.users UNION ALL SELECT id + 1 FROM r WHERE id < 3) SELECT * FROM r;
-- case: DESCRIBE without a space before the name's dot
describe `shop`.users;
-- case: derived column of a prod table in a dev view definition (view over view, case variant)
SELECT * FROM SHOP_DEV.V_USERS2;
