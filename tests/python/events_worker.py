"""Python functions on the engine's change events: `py.on_stream` on the stream
`INTEROP_STREAM` (`stream` trigger) and `py.on_state` on the state scope `INTEROP_SCOPE`
(`state` trigger). Each reports the payload it got to the Rust function `rs.record`; the
state handler also reads the value back with `state::get`."""

import json

from _support import connect, env, serve

iii = connect("interop-python-events")
stream = env("INTEROP_STREAM")
scope = env("INTEROP_SCOPE")


async def on_stream(event):
    print(f"GOT stream {json.dumps(event)}", flush=True)
    await iii.trigger_async({"function_id": "rs.record", "payload": {"via": "stream", "data": event}})
    print("DONE stream", flush=True)


async def on_state(event):
    print(f"GOT state {json.dumps(event)}", flush=True)
    stored = await iii.trigger_async(
        {"function_id": "state::get", "payload": {"scope": event["scope"], "key": event["key"]}}
    )
    await iii.trigger_async(
        {"function_id": "rs.record", "payload": {"via": "state", "data": {"event": event, "stored": stored}}}
    )
    print("DONE state", flush=True)


iii.register_function("py.on_stream", on_stream)
iii.register_trigger({"type": "stream", "function_id": "py.on_stream", "config": {"stream_name": stream}})
iii.register_function("py.on_state", on_state)
iii.register_trigger({"type": "state", "function_id": "py.on_state", "config": {"scope": scope}})

serve(iii)
