"""Python consumers of messages a Rust worker sends: `py.on_queue` on the durable topic
`INTEROP_TOPIC` (`durable:subscriber`) and `py.on_event` on the pub/sub topic
`INTEROP_TOPIC` (`subscribe`). Each reports what it got to the Rust function `rs.record`."""

import json

from _support import connect, env, serve

iii = connect("interop-python-consumer")
topic = env("INTEROP_TOPIC")


def reporter(via):
    async def handler(data):
        print(f"GOT {via} {json.dumps(data)}", flush=True)
        await iii.trigger_async({"function_id": "rs.record", "payload": {"via": via, "data": data}})
        print(f"DONE {via}", flush=True)

    return handler


iii.register_function("py.on_queue", reporter("durable:subscriber"))
iii.register_trigger({"type": "durable:subscriber", "function_id": "py.on_queue", "config": {"topic": topic}})
iii.register_function("py.on_event", reporter("subscribe"))
iii.register_trigger({"type": "subscribe", "function_id": "py.on_event", "config": {"topic": topic}})

serve(iii)
