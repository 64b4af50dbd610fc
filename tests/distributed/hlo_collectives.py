"""Print the collectives XLA puts in one compiled chunk of a case on 4 fake CPU devices (JSON).

Run as a script in a fresh interpreter: the device count must be set before JAX starts.
"""

import collections
import json
import os
import re
import sys

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"

import jax.numpy as jnp  # noqa: E402

import hanami  # noqa: E402, F401
from hanami.core.parallel import plan_layout  # noqa: E402
from hanami.core.simulation import compile_chunk
from hanami.core.stepping import chunk_function  # noqa: E402
from hanami.runner import load_case  # noqa: E402

loaded = load_case(sys.argv[1], sys.argv[2:])
built = loaded.app.build(loaded.case)
layout = plan_layout(built.state, 4)
chunk = compile_chunk(chunk_function(built.attempt, built.model, 4), layout)
text = chunk.lower(layout.place(built.state), jnp.asarray(1e9), jnp.asarray(10**9)).compile().as_text()
found = re.findall(r"= (\S+|\([^)]*\)) (all-to-all|all-gather|collective-permute|all-reduce|reduce-scatter)\(", text)
print(json.dumps({"counts": collections.Counter(op for _, op in found),
                  "shapes": [f"{op} {shape}" for shape, op in found]}))
