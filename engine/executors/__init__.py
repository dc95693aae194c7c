"""Executors: one small contract, two implementations (local DuckDB, MaxCompute via pyodps)."""
