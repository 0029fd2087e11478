"""A cron trigger on a Python function that reports every fire to the Rust function
`rs.tick` (expression from `INTEROP_CRON`, default every second)."""

import os

from iii import InvocationError

from _support import connect, serve

iii = connect("interop-python-cron")


async def tick(event):
    try:
        await iii.trigger_async(
            {
                "function_id": "rs.tick",
                "payload": {
                    "trigger": event["trigger"],
                    "job_id": event["job_id"],
                    "scheduled_time": event["scheduled_time"],
                    "actual_time": event["actual_time"],
                },
            }
        )
    except InvocationError as error:
        # The test stops this worker while a fire may still wait for `rs.tick`'s answer.
        if error.code != "SHUTDOWN":
            raise


iii.register_function("py.tick", tick)
iii.register_trigger(
    {
        "type": "cron",
        "function_id": "py.tick",
        "config": {"expression": os.environ.get("INTEROP_CRON", "* * * * * *")},
    }
)

serve(iii)
