"""The embedded engine: MaxCompute SQL on one DuckDB file per project.

Import ``engine.executors.local.executor.LocalExecutor``; this package's ``__init__`` stays empty
so that light modules (records, lifecycle types) can be imported without loading DuckDB.
"""
