"""TPC-H queries, each written twice: ``ODPS[q]`` in MaxCompute SQL and ``NATIVE[q]`` in DuckDB SQL.

The ODPS text is what a MaxCompute user writes: explicit ``JOIN ... ON``, ``DATEADD(d, n,
'dd'|'mm'|'yyyy')`` or date literals instead of ``INTERVAL``, ``YEAR()`` instead of
``EXTRACT``, ``SUBSTR`` instead of ``SUBSTRING(... FROM ... FOR ...)``, no column-alias lists on
derived tables, a CTE instead of Q15's view, and a ``LIMIT`` on every ``ORDER BY`` (MaxCompute
rejects ``ORDER BY`` without ``LIMIT``).  The native text is the TPC-H reference text (comma
joins, ``EXTRACT``, ``SUBSTRING ... FROM ... FOR``) with the date arithmetic folded into
literals as DuckDB's own TPC-H queries have it (the strictest baseline: ``date - INTERVAL``
yields a TIMESTAMP in DuckDB and slows the filter down), and the same ``LIMIT``s; where a ``LIMIT`` could cut
through ties, both versions get the same extra tie-breaker so the row sets are comparable.
Substitution parameters are the spec's validation values (Q11's fraction is the SF 1 value).

``python tpch_queries.py`` checks that both versions return the same rows on SF 0.01 data
(both run on DuckDB directly; the ODPS text through the project's translator when present).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

ODPS: dict[str, str] = {}
NATIVE: dict[str, str] = {}

# -- Q1 pricing summary report -------------------------------------------------------------
ODPS["q1"] = """
SELECT l_returnflag, l_linestatus,
       SUM(l_quantity) AS sum_qty,
       SUM(l_extendedprice) AS sum_base_price,
       SUM(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
       SUM(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
       AVG(l_quantity) AS avg_qty,
       AVG(l_extendedprice) AS avg_price,
       AVG(l_discount) AS avg_disc,
       COUNT(*) AS count_order
FROM lineitem
WHERE l_shipdate <= DATEADD(DATE '1998-12-01', -90, 'dd')
GROUP BY l_returnflag, l_linestatus
ORDER BY l_returnflag, l_linestatus
LIMIT 100;
"""
NATIVE["q1"] = """
select l_returnflag, l_linestatus,
       sum(l_quantity) as sum_qty,
       sum(l_extendedprice) as sum_base_price,
       sum(l_extendedprice * (1 - l_discount)) as sum_disc_price,
       sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as sum_charge,
       avg(l_quantity) as avg_qty,
       avg(l_extendedprice) as avg_price,
       avg(l_discount) as avg_disc,
       count(*) as count_order
from lineitem
where l_shipdate <= date '1998-09-02'
group by l_returnflag, l_linestatus
order by l_returnflag, l_linestatus
limit 100
"""

# -- Q2 minimum cost supplier ----------------------------------------------------------------
ODPS["q2"] = """
SELECT s.s_acctbal, s.s_name, n.n_name, p.p_partkey, p.p_mfgr, s.s_address, s.s_phone, s.s_comment
FROM part p
JOIN partsupp ps ON p.p_partkey = ps.ps_partkey
JOIN supplier s ON s.s_suppkey = ps.ps_suppkey
JOIN nation n ON s.s_nationkey = n.n_nationkey
JOIN region r ON n.n_regionkey = r.r_regionkey
WHERE p.p_size = 15
  AND p.p_type LIKE '%BRASS'
  AND r.r_name = 'EUROPE'
  AND ps.ps_supplycost = (
      SELECT MIN(ps2.ps_supplycost)
      FROM partsupp ps2
      JOIN supplier s2 ON s2.s_suppkey = ps2.ps_suppkey
      JOIN nation n2 ON s2.s_nationkey = n2.n_nationkey
      JOIN region r2 ON n2.n_regionkey = r2.r_regionkey
      WHERE ps2.ps_partkey = p.p_partkey AND r2.r_name = 'EUROPE')
ORDER BY s_acctbal DESC, n_name, s_name, p_partkey
LIMIT 100;
"""
NATIVE["q2"] = """
select s_acctbal, s_name, n_name, p_partkey, p_mfgr, s_address, s_phone, s_comment
from part, supplier, partsupp, nation, region
where p_partkey = ps_partkey
  and s_suppkey = ps_suppkey
  and p_size = 15
  and p_type like '%BRASS'
  and s_nationkey = n_nationkey
  and n_regionkey = r_regionkey
  and r_name = 'EUROPE'
  and ps_supplycost = (
      select min(ps_supplycost)
      from partsupp, supplier, nation, region
      where p_partkey = ps_partkey
        and s_suppkey = ps_suppkey
        and s_nationkey = n_nationkey
        and n_regionkey = r_regionkey
        and r_name = 'EUROPE')
order by s_acctbal desc, n_name, s_name, p_partkey
limit 100
"""

# -- Q3 shipping priority --------------------------------------------------------------------
ODPS["q3"] = """
SELECT l.l_orderkey,
       SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue,
       o.o_orderdate, o.o_shippriority
FROM customer c
JOIN orders o ON c.c_custkey = o.o_custkey
JOIN lineitem l ON l.l_orderkey = o.o_orderkey
WHERE c.c_mktsegment = 'BUILDING'
  AND o.o_orderdate < DATE '1995-03-15'
  AND l.l_shipdate > DATE '1995-03-15'
GROUP BY l.l_orderkey, o.o_orderdate, o.o_shippriority
ORDER BY revenue DESC, o_orderdate, l_orderkey
LIMIT 10;
"""
NATIVE["q3"] = """
select l_orderkey, sum(l_extendedprice * (1 - l_discount)) as revenue, o_orderdate, o_shippriority
from customer, orders, lineitem
where c_mktsegment = 'BUILDING'
  and c_custkey = o_custkey
  and l_orderkey = o_orderkey
  and o_orderdate < date '1995-03-15'
  and l_shipdate > date '1995-03-15'
group by l_orderkey, o_orderdate, o_shippriority
order by revenue desc, o_orderdate, l_orderkey
limit 10
"""

# -- Q4 order priority checking ----------------------------------------------------------------
ODPS["q4"] = """
SELECT o_orderpriority, COUNT(*) AS order_count
FROM orders o
WHERE o.o_orderdate >= DATE '1993-07-01'
  AND o.o_orderdate < DATEADD(DATE '1993-07-01', 3, 'mm')
  AND EXISTS (
      SELECT 1 FROM lineitem l
      WHERE l.l_orderkey = o.o_orderkey AND l.l_commitdate < l.l_receiptdate)
GROUP BY o_orderpriority
ORDER BY o_orderpriority
LIMIT 100;
"""
NATIVE["q4"] = """
select o_orderpriority, count(*) as order_count
from orders
where o_orderdate >= date '1993-07-01'
  and o_orderdate < date '1993-10-01'
  and exists (
      select * from lineitem
      where l_orderkey = o_orderkey and l_commitdate < l_receiptdate)
group by o_orderpriority
order by o_orderpriority
limit 100
"""

# -- Q5 local supplier volume ------------------------------------------------------------------
ODPS["q5"] = """
SELECT n.n_name, SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue
FROM customer c
JOIN orders o ON c.c_custkey = o.o_custkey
JOIN lineitem l ON l.l_orderkey = o.o_orderkey
JOIN supplier s ON l.l_suppkey = s.s_suppkey AND c.c_nationkey = s.s_nationkey
JOIN nation n ON s.s_nationkey = n.n_nationkey
JOIN region r ON n.n_regionkey = r.r_regionkey
WHERE r.r_name = 'ASIA'
  AND o.o_orderdate >= DATE '1994-01-01'
  AND o.o_orderdate < DATEADD(DATE '1994-01-01', 1, 'yyyy')
GROUP BY n.n_name
ORDER BY revenue DESC
LIMIT 100;
"""
NATIVE["q5"] = """
select n_name, sum(l_extendedprice * (1 - l_discount)) as revenue
from customer, orders, lineitem, supplier, nation, region
where c_custkey = o_custkey
  and l_orderkey = o_orderkey
  and l_suppkey = s_suppkey
  and c_nationkey = s_nationkey
  and s_nationkey = n_nationkey
  and n_regionkey = r_regionkey
  and r_name = 'ASIA'
  and o_orderdate >= date '1994-01-01'
  and o_orderdate < date '1995-01-01'
group by n_name
order by revenue desc
limit 100
"""

# -- Q6 forecasting revenue change -------------------------------------------------------------
ODPS["q6"] = """
SELECT SUM(l_extendedprice * l_discount) AS revenue
FROM lineitem
WHERE l_shipdate >= DATE '1994-01-01'
  AND l_shipdate < DATE '1995-01-01'
  AND l_discount BETWEEN 0.05 AND 0.07
  AND l_quantity < 24;
"""
NATIVE["q6"] = """
select sum(l_extendedprice * l_discount) as revenue
from lineitem
where l_shipdate >= date '1994-01-01'
  and l_shipdate < date '1995-01-01'
  and l_discount between 0.05 and 0.07
  and l_quantity < 24
"""

# -- Q7 volume shipping ----------------------------------------------------------------------
ODPS["q7"] = """
SELECT supp_nation, cust_nation, l_year, SUM(volume) AS revenue
FROM (
    SELECT n1.n_name AS supp_nation, n2.n_name AS cust_nation,
           YEAR(l.l_shipdate) AS l_year,
           l.l_extendedprice * (1 - l.l_discount) AS volume
    FROM supplier s
    JOIN lineitem l ON s.s_suppkey = l.l_suppkey
    JOIN orders o ON o.o_orderkey = l.l_orderkey
    JOIN customer c ON c.c_custkey = o.o_custkey
    JOIN nation n1 ON s.s_nationkey = n1.n_nationkey
    JOIN nation n2 ON c.c_nationkey = n2.n_nationkey
    WHERE ((n1.n_name = 'FRANCE' AND n2.n_name = 'GERMANY')
        OR (n1.n_name = 'GERMANY' AND n2.n_name = 'FRANCE'))
      AND l.l_shipdate BETWEEN DATE '1995-01-01' AND DATE '1996-12-31'
) shipping
GROUP BY supp_nation, cust_nation, l_year
ORDER BY supp_nation, cust_nation, l_year
LIMIT 100;
"""
NATIVE["q7"] = """
select supp_nation, cust_nation, l_year, sum(volume) as revenue
from (
    select n1.n_name as supp_nation, n2.n_name as cust_nation,
           extract(year from l_shipdate) as l_year,
           l_extendedprice * (1 - l_discount) as volume
    from supplier, lineitem, orders, customer, nation n1, nation n2
    where s_suppkey = l_suppkey
      and o_orderkey = l_orderkey
      and c_custkey = o_custkey
      and s_nationkey = n1.n_nationkey
      and c_nationkey = n2.n_nationkey
      and ((n1.n_name = 'FRANCE' and n2.n_name = 'GERMANY')
        or (n1.n_name = 'GERMANY' and n2.n_name = 'FRANCE'))
      and l_shipdate between date '1995-01-01' and date '1996-12-31'
) as shipping
group by supp_nation, cust_nation, l_year
order by supp_nation, cust_nation, l_year
limit 100
"""

# -- Q8 national market share ----------------------------------------------------------------
ODPS["q8"] = """
SELECT o_year,
       SUM(CASE WHEN nation = 'BRAZIL' THEN volume ELSE 0 END) / SUM(volume) AS mkt_share
FROM (
    SELECT YEAR(o.o_orderdate) AS o_year,
           l.l_extendedprice * (1 - l.l_discount) AS volume,
           n2.n_name AS nation
    FROM part p
    JOIN lineitem l ON p.p_partkey = l.l_partkey
    JOIN supplier s ON s.s_suppkey = l.l_suppkey
    JOIN orders o ON l.l_orderkey = o.o_orderkey
    JOIN customer c ON o.o_custkey = c.c_custkey
    JOIN nation n1 ON c.c_nationkey = n1.n_nationkey
    JOIN region r ON n1.n_regionkey = r.r_regionkey
    JOIN nation n2 ON s.s_nationkey = n2.n_nationkey
    WHERE r.r_name = 'AMERICA'
      AND o.o_orderdate BETWEEN DATE '1995-01-01' AND DATE '1996-12-31'
      AND p.p_type = 'ECONOMY ANODIZED STEEL'
) all_nations
GROUP BY o_year
ORDER BY o_year
LIMIT 100;
"""
NATIVE["q8"] = """
select o_year,
       sum(case when nation = 'BRAZIL' then volume else 0 end) / sum(volume) as mkt_share
from (
    select extract(year from o_orderdate) as o_year,
           l_extendedprice * (1 - l_discount) as volume,
           n2.n_name as nation
    from part, supplier, lineitem, orders, customer, nation n1, nation n2, region
    where p_partkey = l_partkey
      and s_suppkey = l_suppkey
      and l_orderkey = o_orderkey
      and o_custkey = c_custkey
      and c_nationkey = n1.n_nationkey
      and n1.n_regionkey = r_regionkey
      and r_name = 'AMERICA'
      and s_nationkey = n2.n_nationkey
      and o_orderdate between date '1995-01-01' and date '1996-12-31'
      and p_type = 'ECONOMY ANODIZED STEEL'
) as all_nations
group by o_year
order by o_year
limit 100
"""

# -- Q9 product type profit measure ------------------------------------------------------------
ODPS["q9"] = """
SELECT nation, o_year, SUM(amount) AS sum_profit
FROM (
    SELECT n.n_name AS nation,
           YEAR(o.o_orderdate) AS o_year,
           l.l_extendedprice * (1 - l.l_discount) - ps.ps_supplycost * l.l_quantity AS amount
    FROM part p
    JOIN lineitem l ON p.p_partkey = l.l_partkey
    JOIN supplier s ON s.s_suppkey = l.l_suppkey
    JOIN partsupp ps ON ps.ps_suppkey = l.l_suppkey AND ps.ps_partkey = l.l_partkey
    JOIN orders o ON o.o_orderkey = l.l_orderkey
    JOIN nation n ON s.s_nationkey = n.n_nationkey
    WHERE p.p_name LIKE '%green%'
) profit
GROUP BY nation, o_year
ORDER BY nation, o_year DESC
LIMIT 1000;
"""
NATIVE["q9"] = """
select nation, o_year, sum(amount) as sum_profit
from (
    select n_name as nation,
           extract(year from o_orderdate) as o_year,
           l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity as amount
    from part, supplier, lineitem, partsupp, orders, nation
    where s_suppkey = l_suppkey
      and ps_suppkey = l_suppkey
      and ps_partkey = l_partkey
      and p_partkey = l_partkey
      and o_orderkey = l_orderkey
      and s_nationkey = n_nationkey
      and p_name like '%green%'
) as profit
group by nation, o_year
order by nation, o_year desc
limit 1000
"""

# -- Q10 returned item reporting ---------------------------------------------------------------
ODPS["q10"] = """
SELECT c.c_custkey, c.c_name,
       SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue,
       c.c_acctbal, n.n_name, c.c_address, c.c_phone, c.c_comment
FROM customer c
JOIN orders o ON c.c_custkey = o.o_custkey
JOIN lineitem l ON l.l_orderkey = o.o_orderkey
JOIN nation n ON c.c_nationkey = n.n_nationkey
WHERE o.o_orderdate >= DATE '1993-10-01'
  AND o.o_orderdate < DATEADD(DATE '1993-10-01', 3, 'mm')
  AND l.l_returnflag = 'R'
GROUP BY c.c_custkey, c.c_name, c.c_acctbal, c.c_phone, n.n_name, c.c_address, c.c_comment
ORDER BY revenue DESC, c_custkey
LIMIT 20;
"""
NATIVE["q10"] = """
select c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) as revenue,
       c_acctbal, n_name, c_address, c_phone, c_comment
from customer, orders, lineitem, nation
where c_custkey = o_custkey
  and l_orderkey = o_orderkey
  and o_orderdate >= date '1993-10-01'
  and o_orderdate < date '1994-01-01'
  and l_returnflag = 'R'
  and c_nationkey = n_nationkey
group by c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment
order by revenue desc, c_custkey
limit 20
"""

# -- Q11 important stock identification --------------------------------------------------------
ODPS["q11"] = """
SELECT ps.ps_partkey, SUM(ps.ps_supplycost * ps.ps_availqty) AS value
FROM partsupp ps
JOIN supplier s ON ps.ps_suppkey = s.s_suppkey
JOIN nation n ON s.s_nationkey = n.n_nationkey
WHERE n.n_name = 'GERMANY'
GROUP BY ps.ps_partkey
HAVING SUM(ps.ps_supplycost * ps.ps_availqty) > (
    SELECT SUM(ps2.ps_supplycost * ps2.ps_availqty) * 0.0001
    FROM partsupp ps2
    JOIN supplier s2 ON ps2.ps_suppkey = s2.s_suppkey
    JOIN nation n2 ON s2.s_nationkey = n2.n_nationkey
    WHERE n2.n_name = 'GERMANY')
ORDER BY value DESC, ps_partkey
LIMIT 100000;
"""
NATIVE["q11"] = """
select ps_partkey, sum(ps_supplycost * ps_availqty) as value
from partsupp, supplier, nation
where ps_suppkey = s_suppkey
  and s_nationkey = n_nationkey
  and n_name = 'GERMANY'
group by ps_partkey
having sum(ps_supplycost * ps_availqty) > (
    select sum(ps_supplycost * ps_availqty) * 0.0001
    from partsupp, supplier, nation
    where ps_suppkey = s_suppkey
      and s_nationkey = n_nationkey
      and n_name = 'GERMANY')
order by value desc, ps_partkey
limit 100000
"""

# -- Q12 shipping modes and order priority -----------------------------------------------------
ODPS["q12"] = """
SELECT l.l_shipmode,
       SUM(CASE WHEN o.o_orderpriority = '1-URGENT' OR o.o_orderpriority = '2-HIGH'
                THEN 1 ELSE 0 END) AS high_line_count,
       SUM(CASE WHEN o.o_orderpriority <> '1-URGENT' AND o.o_orderpriority <> '2-HIGH'
                THEN 1 ELSE 0 END) AS low_line_count
FROM orders o
JOIN lineitem l ON o.o_orderkey = l.l_orderkey
WHERE l.l_shipmode IN ('MAIL', 'SHIP')
  AND l.l_commitdate < l.l_receiptdate
  AND l.l_shipdate < l.l_commitdate
  AND l.l_receiptdate >= DATE '1994-01-01'
  AND l.l_receiptdate < DATEADD(DATE '1994-01-01', 1, 'yyyy')
GROUP BY l.l_shipmode
ORDER BY l_shipmode
LIMIT 100;
"""
NATIVE["q12"] = """
select l_shipmode,
       sum(case when o_orderpriority = '1-URGENT' or o_orderpriority = '2-HIGH'
                then 1 else 0 end) as high_line_count,
       sum(case when o_orderpriority <> '1-URGENT' and o_orderpriority <> '2-HIGH'
                then 1 else 0 end) as low_line_count
from orders, lineitem
where o_orderkey = l_orderkey
  and l_shipmode in ('MAIL', 'SHIP')
  and l_commitdate < l_receiptdate
  and l_shipdate < l_commitdate
  and l_receiptdate >= date '1994-01-01'
  and l_receiptdate < date '1995-01-01'
group by l_shipmode
order by l_shipmode
limit 100
"""

# -- Q13 customer distribution -----------------------------------------------------------------
ODPS["q13"] = """
SELECT c_count, COUNT(*) AS custdist
FROM (
    SELECT c.c_custkey, COUNT(o.o_orderkey) AS c_count
    FROM customer c
    LEFT OUTER JOIN orders o
      ON c.c_custkey = o.o_custkey AND o.o_comment NOT LIKE '%special%requests%'
    GROUP BY c.c_custkey
) c_orders
GROUP BY c_count
ORDER BY custdist DESC, c_count DESC
LIMIT 100;
"""
NATIVE["q13"] = """
select c_count, count(*) as custdist
from (
    select c_custkey, count(o_orderkey)
    from customer left outer join orders
      on c_custkey = o_custkey and o_comment not like '%special%requests%'
    group by c_custkey
) as c_orders (c_custkey, c_count)
group by c_count
order by custdist desc, c_count desc
limit 100
"""

# -- Q14 promotion effect ----------------------------------------------------------------------
ODPS["q14"] = """
SELECT 100.00 * SUM(CASE WHEN p.p_type LIKE 'PROMO%'
                         THEN l.l_extendedprice * (1 - l.l_discount) ELSE 0 END)
       / SUM(l.l_extendedprice * (1 - l.l_discount)) AS promo_revenue
FROM lineitem l
JOIN part p ON l.l_partkey = p.p_partkey
WHERE l.l_shipdate >= DATE '1995-09-01'
  AND l.l_shipdate < DATEADD(DATE '1995-09-01', 1, 'mm');
"""
NATIVE["q14"] = """
select 100.00 * sum(case when p_type like 'PROMO%'
                         then l_extendedprice * (1 - l_discount) else 0 end)
       / sum(l_extendedprice * (1 - l_discount)) as promo_revenue
from lineitem, part
where l_partkey = p_partkey
  and l_shipdate >= date '1995-09-01'
  and l_shipdate < date '1995-10-01'
"""

# -- Q15 top supplier (the view becomes a CTE) ---------------------------------------------------
ODPS["q15"] = """
WITH revenue0 AS (
    SELECT l_suppkey AS supplier_no, SUM(l_extendedprice * (1 - l_discount)) AS total_revenue
    FROM lineitem
    WHERE l_shipdate >= DATE '1996-01-01'
      AND l_shipdate < DATEADD(DATE '1996-01-01', 3, 'mm')
    GROUP BY l_suppkey
)
SELECT s.s_suppkey, s.s_name, s.s_address, s.s_phone, r.total_revenue
FROM supplier s
JOIN revenue0 r ON s.s_suppkey = r.supplier_no
WHERE r.total_revenue = (SELECT MAX(total_revenue) FROM revenue0)
ORDER BY s_suppkey
LIMIT 100;
"""
NATIVE["q15"] = """
with revenue0 as (
    select l_suppkey as supplier_no, sum(l_extendedprice * (1 - l_discount)) as total_revenue
    from lineitem
    where l_shipdate >= date '1996-01-01'
      and l_shipdate < date '1996-04-01'
    group by l_suppkey
)
select s_suppkey, s_name, s_address, s_phone, total_revenue
from supplier, revenue0
where s_suppkey = supplier_no
  and total_revenue = (select max(total_revenue) from revenue0)
order by s_suppkey
limit 100
"""

# -- Q16 parts/supplier relationship -----------------------------------------------------------
ODPS["q16"] = """
SELECT p.p_brand, p.p_type, p.p_size, COUNT(DISTINCT ps.ps_suppkey) AS supplier_cnt
FROM partsupp ps
JOIN part p ON p.p_partkey = ps.ps_partkey
WHERE p.p_brand <> 'Brand#45'
  AND p.p_type NOT LIKE 'MEDIUM POLISHED%'
  AND p.p_size IN (49, 14, 23, 45, 19, 3, 36, 9)
  AND ps.ps_suppkey NOT IN (
      SELECT s_suppkey FROM supplier WHERE s_comment LIKE '%Customer%Complaints%')
GROUP BY p.p_brand, p.p_type, p.p_size
ORDER BY supplier_cnt DESC, p_brand, p_type, p_size
LIMIT 100000;
"""
NATIVE["q16"] = """
select p_brand, p_type, p_size, count(distinct ps_suppkey) as supplier_cnt
from partsupp, part
where p_partkey = ps_partkey
  and p_brand <> 'Brand#45'
  and p_type not like 'MEDIUM POLISHED%'
  and p_size in (49, 14, 23, 45, 19, 3, 36, 9)
  and ps_suppkey not in (
      select s_suppkey from supplier where s_comment like '%Customer%Complaints%')
group by p_brand, p_type, p_size
order by supplier_cnt desc, p_brand, p_type, p_size
limit 100000
"""

# -- Q17 small-quantity-order revenue ----------------------------------------------------------
ODPS["q17"] = """
SELECT SUM(l.l_extendedprice) / 7.0 AS avg_yearly
FROM lineitem l
JOIN part p ON p.p_partkey = l.l_partkey
WHERE p.p_brand = 'Brand#23'
  AND p.p_container = 'MED BOX'
  AND l.l_quantity < (
      SELECT 0.2 * AVG(l2.l_quantity) FROM lineitem l2 WHERE l2.l_partkey = p.p_partkey);
"""
NATIVE["q17"] = """
select sum(l_extendedprice) / 7.0 as avg_yearly
from lineitem, part
where p_partkey = l_partkey
  and p_brand = 'Brand#23'
  and p_container = 'MED BOX'
  and l_quantity < (
      select 0.2 * avg(l_quantity) from lineitem where l_partkey = p_partkey)
"""

# -- Q18 large volume customer -----------------------------------------------------------------
ODPS["q18"] = """
SELECT c.c_name, c.c_custkey, o.o_orderkey, o.o_orderdate, o.o_totalprice,
       SUM(l.l_quantity) AS sum_qty
FROM customer c
JOIN orders o ON c.c_custkey = o.o_custkey
JOIN lineitem l ON o.o_orderkey = l.l_orderkey
WHERE o.o_orderkey IN (
    SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING SUM(l_quantity) > 300)
GROUP BY c.c_name, c.c_custkey, o.o_orderkey, o.o_orderdate, o.o_totalprice
ORDER BY o_totalprice DESC, o_orderdate, o_orderkey
LIMIT 100;
"""
NATIVE["q18"] = """
select c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) as sum_qty
from customer, orders, lineitem
where o_orderkey in (
    select l_orderkey from lineitem group by l_orderkey having sum(l_quantity) > 300)
  and c_custkey = o_custkey
  and o_orderkey = l_orderkey
group by c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice
order by o_totalprice desc, o_orderdate, o_orderkey
limit 100
"""

# -- Q19 discounted revenue --------------------------------------------------------------------
ODPS["q19"] = """
SELECT SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue
FROM lineitem l
JOIN part p ON p.p_partkey = l.l_partkey
WHERE (p.p_brand = 'Brand#12'
       AND p.p_container IN ('SM CASE', 'SM BOX', 'SM PACK', 'SM PKG')
       AND l.l_quantity >= 1 AND l.l_quantity <= 11
       AND p.p_size BETWEEN 1 AND 5
       AND l.l_shipmode IN ('AIR', 'AIR REG')
       AND l.l_shipinstruct = 'DELIVER IN PERSON')
   OR (p.p_brand = 'Brand#23'
       AND p.p_container IN ('MED BAG', 'MED BOX', 'MED PKG', 'MED PACK')
       AND l.l_quantity >= 10 AND l.l_quantity <= 20
       AND p.p_size BETWEEN 1 AND 10
       AND l.l_shipmode IN ('AIR', 'AIR REG')
       AND l.l_shipinstruct = 'DELIVER IN PERSON')
   OR (p.p_brand = 'Brand#34'
       AND p.p_container IN ('LG CASE', 'LG BOX', 'LG PACK', 'LG PKG')
       AND l.l_quantity >= 20 AND l.l_quantity <= 30
       AND p.p_size BETWEEN 1 AND 15
       AND l.l_shipmode IN ('AIR', 'AIR REG')
       AND l.l_shipinstruct = 'DELIVER IN PERSON');
"""
NATIVE["q19"] = """
select sum(l_extendedprice * (1 - l_discount)) as revenue
from lineitem, part
where (p_partkey = l_partkey
       and p_brand = 'Brand#12'
       and p_container in ('SM CASE', 'SM BOX', 'SM PACK', 'SM PKG')
       and l_quantity >= 1 and l_quantity <= 1 + 10
       and p_size between 1 and 5
       and l_shipmode in ('AIR', 'AIR REG')
       and l_shipinstruct = 'DELIVER IN PERSON')
   or (p_partkey = l_partkey
       and p_brand = 'Brand#23'
       and p_container in ('MED BAG', 'MED BOX', 'MED PKG', 'MED PACK')
       and l_quantity >= 10 and l_quantity <= 10 + 10
       and p_size between 1 and 10
       and l_shipmode in ('AIR', 'AIR REG')
       and l_shipinstruct = 'DELIVER IN PERSON')
   or (p_partkey = l_partkey
       and p_brand = 'Brand#34'
       and p_container in ('LG CASE', 'LG BOX', 'LG PACK', 'LG PKG')
       and l_quantity >= 20 and l_quantity <= 20 + 10
       and p_size between 1 and 15
       and l_shipmode in ('AIR', 'AIR REG')
       and l_shipinstruct = 'DELIVER IN PERSON')
"""

# -- Q20 potential part promotion --------------------------------------------------------------
ODPS["q20"] = """
SELECT s.s_name, s.s_address
FROM supplier s
JOIN nation n ON s.s_nationkey = n.n_nationkey
WHERE n.n_name = 'CANADA'
  AND s.s_suppkey IN (
      SELECT ps.ps_suppkey
      FROM partsupp ps
      WHERE ps.ps_partkey IN (SELECT p_partkey FROM part WHERE p_name LIKE 'forest%')
        AND ps.ps_availqty > (
            SELECT 0.5 * SUM(l.l_quantity)
            FROM lineitem l
            WHERE l.l_partkey = ps.ps_partkey
              AND l.l_suppkey = ps.ps_suppkey
              AND l.l_shipdate >= DATE '1994-01-01'
              AND l.l_shipdate < DATEADD(DATE '1994-01-01', 1, 'yyyy')))
ORDER BY s_name
LIMIT 1000;
"""
NATIVE["q20"] = """
select s_name, s_address
from supplier, nation
where s_suppkey in (
      select ps_suppkey
      from partsupp
      where ps_partkey in (select p_partkey from part where p_name like 'forest%')
        and ps_availqty > (
            select 0.5 * sum(l_quantity)
            from lineitem
            where l_partkey = ps_partkey
              and l_suppkey = ps_suppkey
              and l_shipdate >= date '1994-01-01'
              and l_shipdate < date '1995-01-01'))
  and s_nationkey = n_nationkey
  and n_name = 'CANADA'
order by s_name
limit 1000
"""

# -- Q21 suppliers who kept orders waiting -----------------------------------------------------
ODPS["q21"] = """
SELECT s.s_name, COUNT(*) AS numwait
FROM supplier s
JOIN lineitem l1 ON s.s_suppkey = l1.l_suppkey
JOIN orders o ON o.o_orderkey = l1.l_orderkey
JOIN nation n ON s.s_nationkey = n.n_nationkey
WHERE o.o_orderstatus = 'F'
  AND l1.l_receiptdate > l1.l_commitdate
  AND EXISTS (
      SELECT 1 FROM lineitem l2
      WHERE l2.l_orderkey = l1.l_orderkey AND l2.l_suppkey <> l1.l_suppkey)
  AND NOT EXISTS (
      SELECT 1 FROM lineitem l3
      WHERE l3.l_orderkey = l1.l_orderkey
        AND l3.l_suppkey <> l1.l_suppkey
        AND l3.l_receiptdate > l3.l_commitdate)
  AND n.n_name = 'SAUDI ARABIA'
GROUP BY s.s_name
ORDER BY numwait DESC, s_name
LIMIT 100;
"""
NATIVE["q21"] = """
select s_name, count(*) as numwait
from supplier, lineitem l1, orders, nation
where s_suppkey = l1.l_suppkey
  and o_orderkey = l1.l_orderkey
  and o_orderstatus = 'F'
  and l1.l_receiptdate > l1.l_commitdate
  and exists (
      select * from lineitem l2
      where l2.l_orderkey = l1.l_orderkey and l2.l_suppkey <> l1.l_suppkey)
  and not exists (
      select * from lineitem l3
      where l3.l_orderkey = l1.l_orderkey
        and l3.l_suppkey <> l1.l_suppkey
        and l3.l_receiptdate > l3.l_commitdate)
  and s_nationkey = n_nationkey
  and n_name = 'SAUDI ARABIA'
group by s_name
order by numwait desc, s_name
limit 100
"""

# -- Q22 global sales opportunity --------------------------------------------------------------
ODPS["q22"] = """
SELECT cntrycode, COUNT(*) AS numcust, SUM(c_acctbal) AS totacctbal
FROM (
    SELECT SUBSTR(c.c_phone, 1, 2) AS cntrycode, c.c_acctbal
    FROM customer c
    WHERE SUBSTR(c.c_phone, 1, 2) IN ('13', '31', '23', '29', '30', '18', '17')
      AND c.c_acctbal > (
          SELECT AVG(c_acctbal) FROM customer
          WHERE c_acctbal > 0.00
            AND SUBSTR(c_phone, 1, 2) IN ('13', '31', '23', '29', '30', '18', '17'))
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.o_custkey = c.c_custkey)
) custsale
GROUP BY cntrycode
ORDER BY cntrycode
LIMIT 100;
"""
NATIVE["q22"] = """
select cntrycode, count(*) as numcust, sum(c_acctbal) as totacctbal
from (
    select substring(c_phone from 1 for 2) as cntrycode, c_acctbal
    from customer
    where substring(c_phone from 1 for 2) in ('13', '31', '23', '29', '30', '18', '17')
      and c_acctbal > (
          select avg(c_acctbal) from customer
          where c_acctbal > 0.00
            and substring(c_phone from 1 for 2) in ('13', '31', '23', '29', '30', '18', '17'))
      and not exists (select * from orders where o_custkey = c_custkey)
) as custsale
group by cntrycode
order by cntrycode
limit 100
"""

QUERIES: tuple[str, ...] = tuple(sorted(ODPS, key=lambda q: int(q[1:])))
assert set(ODPS) == set(NATIVE)


# -- result comparison ---------------------------------------------------------------------
REL_TOL = 1e-9


def _norm(v: Any) -> Any:
    """Normalise one value so equal results from differently-typed columns compare equal."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time(0) and v.tzinfo is None else v
    if isinstance(v, Decimal | int | float):
        return float(v)
    return v


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)
    return bool(a == b)


def _rows_equal(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    return len(a) == len(b) and all(
        len(x) == len(y) and all(_same(p, q) for p, q in zip(x, y, strict=True))
        for x, y in zip(a, b, strict=True)
    )


def compare(expected: list[tuple[Any, ...]], actual: list[tuple[Any, ...]]) -> tuple[bool, str]:
    """(equal, explanation).  Rows are compared in order; if only the order of rows differs
    (ties in the ORDER BY), the results still count as equal."""
    ea = [tuple(_norm(v) for v in r) for r in expected]
    aa = [tuple(_norm(v) for v in r) for r in actual]
    if _rows_equal(ea, aa):
        return True, f"{len(ea)} rows"
    if len(ea) != len(aa):
        return False, f"row count differs: expected {len(ea)}, got {len(aa)}"

    def key(r: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple((x is None, type(x).__name__, x if x is not None else 0) for x in r)

    if _rows_equal(sorted(ea, key=key), sorted(aa, key=key)):
        return True, f"{len(ea)} rows (same rows, tie order differs)"
    for i, (x, y) in enumerate(zip(ea, aa, strict=True)):
        if not _rows_equal([x], [y]):
            return False, f"first difference at row {i}: expected {x!r}, got {y!r}"
    return False, "rows differ"  # pragma: no cover


def main(argv: list[str] | None = None) -> int:
    """Check ODPS vs NATIVE on SF 0.01 (or --sf) data generated in memory."""
    import argparse
    import sys
    import time
    from pathlib import Path

    import duckdb

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import tpch_gen

    ap = argparse.ArgumentParser(description="check that ODPS and NATIVE TPC-H queries agree")
    ap.add_argument("--sf", type=float, default=0.01)
    ap.add_argument("--db", type=Path, help="use this generated DuckDB file instead")
    ap.add_argument(
        "--stand-in",
        action="store_true",
        help="run the ODPS text on DuckDB with a DATEADD macro even if engine/sql exists",
    )
    ap.add_argument("queries", nargs="*", help="e.g. q1 q3 (default: all)")
    ns = ap.parse_args(argv)
    if ns.db:
        conn = duckdb.connect(str(ns.db), read_only=True)
    else:
        conn = duckdb.connect()
        t0 = time.perf_counter()
        tpch_gen.generate(conn, ns.sf)
        print(f"generated SF {ns.sf:g} in {time.perf_counter() - t0:.1f} s")
    translate = None if ns.stand_in else _translator()
    if translate is None:
        print("ODPS text runs directly on DuckDB with a stand-in DATEADD macro (no engine/sql)")
        install_stand_in(conn)
        translate = str
    else:
        translate.install(conn)
    failures = 0
    for q in ns.queries or QUERIES:
        native = conn.execute(NATIVE[q]).fetchall()
        try:
            odps = conn.execute(translate(ODPS[q])).fetchall()
        except Exception as err:
            failures += 1
            print(f"{q:>4}: FAIL translated ODPS query raised {type(err).__name__}: {err}")
            continue
        ok, why = compare(native, odps)
        failures += not ok
        print(f"{q:>4}: {'ok  ' if ok else 'FAIL'} {why}")
    return 1 if failures else 0


def install_stand_in(conn: Any) -> None:
    """A DuckDB macro for MaxCompute's DATEADD so the ODPS text runs on plain DuckDB: lets
    the ODPS queries be checked before (and independently of) the project's translator."""
    conn.execute(
        "CREATE OR REPLACE TEMP MACRO dateadd(d, n, unit) AS CAST(CASE lower(unit) "
        "WHEN 'dd' THEN d + to_days(CAST(n AS INTEGER)) "
        "WHEN 'mm' THEN d + to_months(CAST(n AS INTEGER)) "
        "WHEN 'yyyy' THEN d + to_years(CAST(n AS INTEGER)) END AS DATE)"
    )


def _translator() -> Any:
    """ODPS text -> DuckDB SQL via the project's translator, or None if it is not there yet.

    Returns ``translate(text) -> sql``; ``translate.install(conn)`` creates the TEMP macros
    the translated SQL calls."""
    try:
        from engine.sql.dialect import parse_statement
        from engine.sql.functions import TranslateContext, install_macros, to_duckdb
    except ImportError:
        return None
    ctx = TranslateContext()

    def translate(text: str) -> str:
        return str(to_duckdb(parse_statement(text), ctx).sql(dialect="duckdb"))

    translate.install = lambda conn: install_macros(conn, ctx.timezone)  # type: ignore[attr-defined]
    return translate


if __name__ == "__main__":
    raise SystemExit(main())
