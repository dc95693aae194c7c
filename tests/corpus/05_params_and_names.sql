-- Scheduling parameters and MaxCompute's output column names.
-- bizdate: 20250228
-- param: prev=$[yyyymmdd-2]
SELECT '${bizdate}' AS bizdate, '${prev}' AS prev, '${bdp.system.bizdate}' AS legacy, 1 + 1, '${cyctime}' AS cyc
/* expect
bizdate,prev,legacy,_c3,cyc
20250228,20250227,20250228,2,20250301000000
*/;
