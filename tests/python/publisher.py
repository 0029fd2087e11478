"""Publishes `INTEROP_COUNT` messages `{n, from}` to the durable topic `INTEROP_TOPIC` with
`iii::durable::publish`, for a Rust queue function to consume."""

from _support import connect, env, serve

iii = connect("interop-python-publisher")

topic = env("INTEROP_TOPIC")
count = int(env("INTEROP_COUNT"))
for n in range(count):
    result = iii.trigger(
        {"function_id": "iii::durable::publish", "payload": {"topic": topic, "data": {"n": n, "from": "python"}}}
    )
    print(f"PUBLISHED {n} {result!r}", flush=True)

serve(iii)
