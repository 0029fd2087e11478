"""Cross-language calls with typed values on both sides.

* `py.add` (called by a Rust worker): `{a, b}` -> `{sum}`, validated with pydantic.
* `py.fail` always raises, so the Rust side sees a Python error.
* `py.mul` on `POST /py/mul` calls the Rust function `rs.mul` with the request body, checks
  its answer against a pydantic model and returns it, so the test can see what Python got.
"""

from pydantic import BaseModel, ConfigDict

from _support import connect, serve

iii = connect("interop-python-functions")


class AddInput(BaseModel):
    # The engine adds `_caller_worker_id` to worker-to-worker payloads (protocol.md §5.6).
    model_config = ConfigDict(extra="ignore")
    a: int
    b: int


class AddOutput(BaseModel):
    sum: int


class MulOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product: int


async def add(data: AddInput) -> AddOutput:
    args = AddInput.model_validate(data)
    return AddOutput(sum=args.a + args.b).model_dump()


async def fail(data):
    raise RuntimeError(f"python says no to {data.get('what')}")


async def mul(request):
    result = await iii.trigger_async({"function_id": "rs.mul", "payload": request["body"]})
    typed = MulOutput.model_validate(result)
    return {"status_code": 200, "body": {"product": typed.product, "type": type(typed.product).__name__}}


iii.register_function("py.add", add, description="Adds two integers (Python)")
iii.register_function("py.fail", fail)
iii.register_function("py.mul", mul)
iii.register_trigger(
    {"type": "http", "function_id": "py.mul", "config": {"api_path": "py/mul", "http_method": "POST"}}
)

serve(iii)
