"""Performance records: `hanami bench`.

Each measurement is a JSON-ready record (see `hanami.bench.records`) with the
machine fingerprint (`hanami.bench.machine`). The suites are the registered
apps' declarations (`hanami.apps.base.Benchmarks`, looped over in
`hanami.bench.suites`) and reuse `hanami.core.simulation.Simulation`; there is
no separate time loop here.
"""

from hanami.bench.machine import machine_info
from hanami.bench.plan import FULL, QUICK, Plan
from hanami.bench.records import COMMON_KEYS, SCHEMA_VERSION, read_json, write_json
from hanami.bench.run import run_bench

__all__ = ["COMMON_KEYS", "FULL", "Plan", "QUICK", "SCHEMA_VERSION", "machine_info", "read_json", "run_bench",
           "write_json"]
