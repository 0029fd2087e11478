"""The seed quickstart on the current SDK: `math.add` served on `POST /add`.

Differences from the seed document (protocol.md §8.1, §11): `register_worker()` instead of
`III(url)` + `connect()` (the URL comes from `III_URL`); `register_trigger({...})` takes a dict
with `type`; the handler gets the HTTP request envelope (the JSON body under `body`) and must
answer an envelope `{status_code, body}`, or the engine answers `200 {}`.
"""

from iii import register_worker

from _support import serve

iii = register_worker()


def add(data):
    body = data["body"]
    return {"status_code": 200, "body": {"sum": body["a"] + body["b"]}}


def divide(data):
    body = data["body"]
    if body["b"] == 0:
        raise ValueError("Division by zero")
    return {"status_code": 200, "body": {"quotient": body["a"] / body["b"]}}


iii.register_function("math.add", add, description="Adds two numbers")
iii.register_trigger(
    {"type": "http", "function_id": "math.add", "config": {"api_path": "add", "http_method": "POST"}}
)
iii.register_function("math.divide", divide)
iii.register_trigger(
    {"type": "http", "function_id": "math.divide", "config": {"api_path": "divide", "http_method": "POST"}}
)

serve(iii)
