// The app on a cluster, as docs/deploy.md sets one up: three banter-server nodes on one
// PostgreSQL and one Redis behind HAProxy (tests/node/support/cluster.mjs starts them, HAProxy
// with docs/deploy/haproxy.cfg). The app signs up and joins through HAProxy; a classic
// socket.io-client peer chats with it from another node; then the app's node is killed and
// the app carries on through another node, with nothing lost, nothing shown twice, and no
// "left"/"joined" flap for the peer. Run through scripts/e2e.sh.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { tmp, launchApp, shot, waitFor } from './support/harness.mjs'
import * as ui from './support/ui.mjs'
import { socket } from './support/peers.mjs'
import { startCluster } from '../node/support/cluster.mjs'

/** A classic socket.io-client 4.x participant on `url` (support/peers.mjs: WebSocket only, as
 * through HAProxy): `{messages, roomData (each list's names), send(text), close()}`. */
async function classicPeer(url, { username, room }) {
  const p = await socket(url)
  const accepted = async (event, payload) => {
    const args = await p.ask(event, payload)
    if (args.length > 0 && args[0] != null) throw new Error(`${event} refused: ${args[0]}`)
  }
  await accepted('join', { username, room })
  return {
    get messages() {
      return p.of('message')
    },
    get roomData() {
      return p.of('roomData').map((d) => d.users.map((u) => u.username))
    },
    send: (text) => accepted('sendMessage', text),
    close: () => p.s.close(),
  }
}

/** How many times `text` is in the timeline. */
const count = (b, text) =>
  b.execute((t) => [...document.querySelectorAll('[role="log"] .msg .text')].filter((e) => e.textContent === t).length, text)

/** The node whose /healthz counts the app's connection (the peer's is known). */
async function nodeWithConnections(cluster, expect) {
  let found = null
  await waitFor('the app on one node', async () => {
    const counts = await Promise.all(cluster.nodes.map((n) => (n.alive() ? n.healthz().then((h) => h.connections, () => 0) : 0)))
    const i = counts.findIndex((c, i) => c > (expect[i] ?? 0))
    found = i >= 0 ? cluster.nodes[i] : null
    return found
  }, { timeout: 15000 })
  return found
}

describe('The app on three nodes behind HAProxy (PostgreSQL + Redis)', { concurrency: false }, () => {
  let cluster
  let b
  let close
  let peer

  before(async () => {
    cluster = await startCluster({ nodes: 3 })
    ;({ browser: b, close } = await launchApp({ BANTER_CONFIG_DIR: tmp('cluster-config'), BANTER_DATA_DIR: tmp('cluster-data'), BANTER_LOG: 'info' }))
  })
  after(async () => {
    peer?.close()
    await close?.()
    await cluster?.stop()
  })

  it('signs up through HAProxy and chats with a classic client on another node', async () => {
    await ui.signUpAndJoin(b, { server: cluster.url, name: 'ann', password: 'cluster-pass-4711', room: 'lobby' })
    await waitFor('the room header', async () => (await (await b.$('h1')).getText()).includes('lobby'))
    const appNode = await nodeWithConnections(cluster, [])
    const peerNode = cluster.nodes.find((n) => n !== appNode)
    peer = await classicPeer(peerNode.url, { username: 'Bob', room: 'lobby' })
    await waitFor('bob in the member list', async () => (await (await b.$('aria/Members')).getText()).includes('bob'))
    assert.ok(peer.roomData.some((users) => users.includes('ann') && users.includes('bob')), `roomData from another node lists both: ${JSON.stringify(peer.roomData)}`)

    await peer.send('hello from another node')
    await waitFor("bob's message", async () => (await ui.timelineText(b)).includes('hello from another node'))
    await ui.sendFromComposer(b, 'hi bob, through HAProxy')
    await waitFor('bob to get it', () => peer.messages.find((m) => m.username === 'ann' && m.text === 'hi bob, through HAProxy'))
    await waitFor('"delivered"', async () => (await ui.ownStatus(b, 'hi bob, through HAProxy'))[0]?.startsWith('delivered'))
    await shot(b, 'cluster-01-chatting')

    // the app's node dies: the app reconnects through HAProxy to another node
    const t0 = Date.now()
    await appNode.kill('SIGKILL')
    await ui.sendFromComposer(b, 'sent while my node was down')
    await waitFor('bob to get the message sent across the failover', () => peer.messages.find((m) => m.text === 'sent while my node was down'), { timeout: 30000 })
    console.log(`# cluster: the app's message reached bob ${Date.now() - t0} ms after its node was killed`)
    await waitFor('"delivered" after the failover', async () => (await ui.ownStatus(b, 'sent while my node was down'))[0]?.startsWith('delivered'), { timeout: 15000 })
    await peer.send('still here?')
    await waitFor("bob's message after the failover", async () => (await ui.timelineText(b)).includes('still here?'))
    // nothing twice, and bob saw no "ann has left!" (the app was back before its node's members were reaped)
    for (const text of ['hello from another node', 'hi bob, through HAProxy', 'sent while my node was down', 'still here?']) {
      assert.equal(await count(b, text), 1, `"${text}" is shown once`)
    }
    assert.equal(peer.messages.filter((m) => m.text === 'sent while my node was down').length, 1, 'bob got it once')
    await new Promise((r) => setTimeout(r, 16000)) // past the dead node's reaping (ttl 10 s + 5 s)
    assert.ok(!peer.messages.some((m) => /ann has left/.test(m.text)), `bob saw no leave: ${JSON.stringify(peer.messages.map((m) => m.text))}`)
    assert.ok((await (await b.$('aria/Members')).getText()).includes('bob'), 'bob is still a member')
    await shot(b, 'cluster-02-after-failover')
  })
})
