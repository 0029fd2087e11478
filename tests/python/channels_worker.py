"""Data channels between a Rust worker and the Python SDK.

* `py.channel_read` gets `{"reader": <channel reader ref>}` (the SDK turns it into a
  ChannelReader) and returns what it read: the byte count, a checksum, the text messages.
* `py.channel_write` gets `{"writer": <channel writer ref>, "size": N}` (a ChannelWriter),
  writes N bytes (byte i is i % 251) and a text message, then closes it.
"""

import json

from _support import connect, serve

iii = connect("interop-python-channels")


async def channel_read(data):
    reader = data["reader"]
    messages = []
    reader.on_message(messages.append)
    total = 0
    checksum = 0
    async for chunk in reader:
        total += len(chunk)
        checksum = (checksum + sum(chunk)) % 1_000_000_007
    return {"bytes": total, "checksum": checksum, "messages": [json.loads(m) for m in messages]}


async def channel_write(data):
    writer = data["writer"]
    size = int(data["size"])
    payload = bytes(i % 251 for i in range(size))
    await writer.send_message_async(json.dumps({"from": "python", "size": size}))
    await writer.write(payload)
    await writer.close_async()
    return {"written": size}


iii.register_function("py.channel_read", channel_read)
iii.register_function("py.channel_write", channel_write)

serve(iii)
