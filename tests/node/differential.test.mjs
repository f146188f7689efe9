// The same classic client script against the official Node socket.io chat server and
// against banter-server: the sequences of events and acks each client sees must be equal
// (timestamps and socket ids aside; Banter's own `banter:` events, which classic clients
// ignore, are left out and counted).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBanter, startClassic } from './support/harness.mjs'
import { scenario } from './support/differential.mjs'

test('banter-server and the official socket.io chat server behave the same for a classic client', async () => {
  const node = await startClassic()
  const banter = await startBanter({ args: ['--rate-limit', '0'] })
  try {
    const expected = await scenario(node.url)
    const actual = await scenario(banter.url)
    assert.deepEqual(actual.acks, expected.acks)
    for (const name of Object.keys(expected.seen)) {
      assert.deepEqual(actual.seen[name], expected.seen[name], `events seen by ${name}`)
    }
    // sanity: the script really exercised the protocol
    assert.ok(expected.seen.ann.length >= 8, `ann saw ${expected.seen.ann.length} events`)
    assert.equal(expected.banterEvents, 0)
    console.log(`differential: ${expected.acks.length} acks and ${Object.values(expected.seen).flat().length} events equal; banter-server also sent ${actual.banterEvents} banter:hello events classic clients ignore`)
    assert.equal(actual.banterEvents, 5, 'one banter:hello per socket, nothing else')
  } finally {
    await node.stop(); await banter.stop()
  }
})
