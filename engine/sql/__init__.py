"""ODPS SQL: splitting, the MaxCompute dialect, analysis and translation to DuckDB."""
