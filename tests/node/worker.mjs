// A Node worker for the interop tests, written with the official `iii-sdk` from npm.
//
// * `node.add` (called by a Rust worker): `{a, b}` -> `{sum}`.
// * `POST /node/add` serves `node.add` through the engine's HTTP server, answering the
//   HTTP envelope `{status_code, body}` (protocol.md §6.2).
// * `POST /node/mul` calls the Rust function `rs.mul` and returns what it answered.
//
// npm iii-sdk 0.22.1 has no `III_URL` default, so the address is passed explicitly.
import { registerWorker } from 'iii-sdk'

const url = process.env.III_URL
if (!url) {
  console.error('III_URL is not set')
  process.exit(2)
}

const iii = registerWorker(url, { workerName: 'interop-node' })

const add = ({ a, b }) => {
  if (!Number.isInteger(a) || !Number.isInteger(b)) {
    throw new Error(`a and b must be integers, got ${JSON.stringify({ a, b })}`)
  }
  return { sum: a + b }
}

iii.registerFunction('node.add', async (data) => add(data), { description: 'Adds two integers (Node)' })
iii.registerFunction('node.http_add', async (request) => ({ status_code: 200, body: add(request.body) }))
iii.registerTrigger({
  type: 'http',
  function_id: 'node.http_add',
  config: { api_path: 'node/add', http_method: 'POST' },
})
iii.registerFunction('node.mul', async (request) => {
  const result = await iii.trigger({ function_id: 'rs.mul', payload: request.body })
  return { status_code: 200, body: { product: result.product, type: typeof result.product } }
})
iii.registerTrigger({
  type: 'http',
  function_id: 'node.mul',
  config: { api_path: 'node/mul', http_method: 'POST' },
})

const stop = async () => {
  await iii.shutdown()
  console.log('STOPPED')
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
console.log('READY')
