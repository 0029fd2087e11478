"""Custom trigger types across languages.

* Provides the trigger type `py-clock`: each binding is fired `times` times with
  `{"tick": n, "label": <config label>}` once registered; its removal is printed.
* Binds `py.on_hook` to the trigger type `INTEROP_RS_TYPE`, which a Rust worker provides,
  with `{"path": "/py"}`; every fire is reported to the Rust function `rs.record`.
"""

import asyncio
import json

from iii.triggers import TriggerHandler

from _support import connect, env, serve

iii = connect("interop-python-trigger-types")
rust_type = env("INTEROP_RS_TYPE")


class Clock(TriggerHandler):
    def __init__(self):
        self.tasks = {}

    async def register_trigger(self, config):
        label = config.config["label"]
        times = int(config.config.get("times", 1))
        if not label:
            raise ValueError("label must not be empty")
        print(f"REGISTERED {config.id} {label}", flush=True)

        async def fire():
            for n in range(times):
                await iii.trigger_async({"function_id": config.function_id, "payload": {"tick": n, "label": label}})
                print(f"TICKED {label} {n}", flush=True)

        self.tasks[config.id] = asyncio.create_task(fire())

    async def unregister_trigger(self, config):
        print(f"UNREGISTERED {config.id}", flush=True)
        self.tasks.pop(config.id, None)


async def on_hook(delivery):
    print(f"HOOK {json.dumps(delivery)}", flush=True)
    await iii.trigger_async({"function_id": "rs.record", "payload": {"via": "hook", "data": delivery}})
    print("HOOKED", flush=True)


iii.register_trigger_type(
    {
        "id": "py-clock",
        "description": "Ticks a few times (Python)",
        "trigger_request_format": {"type": "object", "properties": {"label": {"type": "string"}}},
    },
    Clock(),
)
iii.register_function("py.on_hook", on_hook)
iii.register_trigger({"type": rust_type, "function_id": "py.on_hook", "config": {"path": "/py"}})

serve(iii)
