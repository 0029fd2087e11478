"""A Python worker sharing the engine's services with a Rust worker.

* Key/value (`state::*`): `py.kv_read` reads a key, `py.kv_write` writes one, `py.kv_bump`
  applies an `increment` update; `py.on_kv` (`state` trigger on `INTEROP_SCOPE`) reports each
  change to the Rust function `rs.record`.
* Streams (`stream::*`): `py.stream_read` / `py.stream_write` read and write an item;
  `py.on_stream` (`stream` trigger on `INTEROP_STREAM`) reports each change to `rs.record`.
* A typed durable queue: `py.on_order` consumes `INTEROP_QUEUE`, validates each message with
  pydantic and publishes a reply on `INTEROP_REPLY`.
"""

import json

from pydantic import BaseModel, ConfigDict

from _support import connect, env, serve

iii = connect("interop-python-services")
scope = env("INTEROP_SCOPE")
stream = env("INTEROP_STREAM")
queue = env("INTEROP_QUEUE")
reply = env("INTEROP_REPLY")


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cart_id: str
    total_cents: int
    items: list[str]


async def call(function_id, payload):
    return await iii.trigger_async({"function_id": function_id, "payload": payload})


async def kv_read(data):
    return {"value": await call("state::get", {"scope": data["scope"], "key": data["key"]})}


async def kv_write(data):
    return await call("state::set", {"scope": data["scope"], "key": data["key"], "value": data["value"]})


async def kv_bump(data):
    ops = [{"type": "increment", "path": data["field"], "by": data["by"]}]
    return await call("state::update", {"scope": data["scope"], "key": data["key"], "ops": ops})


async def stream_read(data):
    item = {k: data[k] for k in ("stream_name", "group_id", "item_id")}
    return {"value": await call("stream::get", item)}


async def stream_write(data):
    item = {k: data[k] for k in ("stream_name", "group_id", "item_id", "data")}
    return await call("stream::set", item)


def reporter(via):
    async def handler(event):
        print(f"GOT {via} {json.dumps(event)}", flush=True)
        await call("rs.record", {"via": via, "data": event})
        print(f"DONE {via}", flush=True)

    return handler


async def on_order(message):
    order = Order.model_validate(message)
    print(f"ORDER {order.cart_id}", flush=True)
    answer = {"cart_id": order.cart_id, "total_cents": order.total_cents * 2, "seen_by": "python"}
    await call("iii::durable::publish", {"topic": reply, "data": answer})
    print(f"REPLIED {order.cart_id}", flush=True)


for name, handler in [
    ("py.kv_read", kv_read),
    ("py.kv_write", kv_write),
    ("py.kv_bump", kv_bump),
    ("py.stream_read", stream_read),
    ("py.stream_write", stream_write),
]:
    iii.register_function(name, handler)
iii.register_function("py.on_kv", reporter("kv"))
iii.register_trigger({"type": "state", "function_id": "py.on_kv", "config": {"scope": scope}})
iii.register_function("py.on_stream", reporter("stream"))
iii.register_trigger({"type": "stream", "function_id": "py.on_stream", "config": {"stream_name": stream}})
iii.register_function("py.on_order", on_order)
iii.register_trigger({"type": "durable:subscriber", "function_id": "py.on_order", "config": {"topic": queue}})

serve(iii)
