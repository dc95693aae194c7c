"""MaxCompute through pyodps, behind the executor contract.

Importing this package never imports pyodps: ``odps`` is imported inside the functions that talk
to the service, so a local workspace never pays for it (a test checks ``sys.modules``).
Use ``engine.executors.maxcompute.executor.MaxComputeExecutor``, or better
``engine.executors.factory.executor_for``.
"""
