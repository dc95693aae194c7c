"""Operation Center: operations on instances and nodes, backfill, test runs, and the queries behind
the instance lists, the DAG view and "why is it not running"."""
