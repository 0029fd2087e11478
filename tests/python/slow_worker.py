"""`POST /slow` never answers: the handler says it started, then waits. The test kills this
worker mid-request and expects the engine to answer the HTTP client at once."""

import asyncio

from _support import connect, serve

iii = connect("interop-python-slow")


async def slow(request):
    print(f"SLOW STARTED {request['body']['n']}", flush=True)
    await asyncio.sleep(3600)


iii.register_function("py.slow", slow)
iii.register_trigger(
    {"type": "http", "function_id": "py.slow", "config": {"api_path": "slow", "http_method": "POST"}}
)

serve(iii)
