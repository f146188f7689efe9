// A Banter client as docs/protocol.md asks one to behave, on the official socket.io-client 4.x,
// for the multi-node tests: it orders each room's messages by seq, fills any gap from
// `banter:history` (the Redis fan-out between nodes is at most once), re-joins its rooms with
// `since` after every reconnect, and keeps an outbox: a send is retried under the same id until
// it is acknowledged (after a reconnect, after a transient refusal such as
// ERR_STORE_UNAVAILABLE, after an ack timeout), so the server stores it once.
import { io } from 'socket.io-client'
import { waitFor } from '../../node/support/cluster.mjs'

/** banter_protocol::ext::ERR_SERVER and ERR_STORE_UNAVAILABLE (is_transient_refusal). */
export const ERR_SERVER = 'Server error, please try again.'
export const ERR_STORE_UNAVAILABLE = 'The server cannot store messages right now: try again in a moment'
const isTransient = (reason) => reason === ERR_SERVER || reason === ERR_STORE_UNAVAILABLE
export const ERR_NAME_TAKEN = 'Username is in use!'

/** One room as this member sees it: messages by seq, the contiguous prefix it can show. */
class RoomView {
  constructor (name, username) {
    this.name = name
    this.username = username
    this.joined = false // in the room on the current connection
    this.contiguous = 0 // every seq 1..contiguous is here: what the member shows
    this.bySeq = new Map() // seq -> message
    this.seqOfId = new Map() // id -> seq
    this.live = 0 // messages first seen as banter:message
    this.liveLog = [] // [seq, arrival ms] of every banter:message
    this.fromHistory = 0 // messages first seen in a join snapshot or banter:history
    this.redelivered = 0 // a seq seen again with the same id (deduplicated, not shown twice)
    this.conflicts = [] // a seq with two ids, or an id under two seqs: never allowed
    this.presence = []
    this.users = []
  }

  add (m, source) {
    if (source === 'live') this.liveLog.push([m.seq, Date.now()])
    const had = this.bySeq.get(m.seq)
    if (had) {
      if (had.id === m.id) this.redelivered++
      else this.conflicts.push(`seq ${m.seq}: ids ${had.id} and ${m.id}`)
      return
    }
    const otherSeq = this.seqOfId.get(m.id)
    if (otherSeq !== undefined) this.conflicts.push(`id ${m.id}: seqs ${otherSeq} and ${m.seq}`)
    this.bySeq.set(m.seq, m)
    this.seqOfId.set(m.id, m.seq)
    if (source === 'live') this.live++
    else this.fromHistory++
    while (this.bySeq.has(this.contiguous + 1)) this.contiguous++
  }

  /** The highest seq seen (a gap exists when it is above `contiguous`). */
  get highest () { let h = 0; for (const s of this.bySeq.keys()) if (s > h) h = s; return h }

  /** What the member shows, in order. */
  shown () { const out = []; for (let s = 1; s <= this.contiguous; s++) out.push(this.bySeq.get(s)); return out }
}

export class Member {
  /**
   * Connects (4.x, WebSocket only: no sticky sessions behind HAProxy) and waits for the
   * connection. opts: { reconnect (true), ackTimeoutMs (5000), window (in-flight sends, 32) }.
   */
  static async connect (url, opts = {}) {
    const m = new Member(url, opts)
    await waitFor(`a connection to ${url}`, () => m.socket.connected, opts.connectTimeoutMs ?? 5000, 10)
      .catch((e) => { m.close(); throw e })
    return m
  }

  constructor (url, opts) {
    this.url = url
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5000
    this.window = opts.window ?? 32
    this.rooms = new Map()
    this.outbox = [] // { room, id, text, state: 'queued'|'inflight', gen, resolve, reject, sentAt, attempts }
    this.inflight = 0
    this.gen = 0 // connection generation: an ack from an older connection never requeues
    this.stats = { connects: 0, disconnects: 0, transientRefusals: 0, ackTimeouts: 0, rejoinRefusals: 0, fills: 0 }
    this.refusals = [] // [reason, at] of every transient refusal, for the fault tests
    this.closed = false
    this.socket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      timeout: 5000,
      reconnection: opts.reconnect ?? true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 1000,
      randomizationFactor: 0.3
    })
    this.socket.on('connect', () => this.onConnect())
    this.socket.on('disconnect', () => this.onDisconnect())
    this.socket.on('banter:message', (msg) => this.onMessage(msg))
    this.socket.on('banter:presence', (p) => {
      const v = this.rooms.get(p.room)
      if (v) { v.presence.push(p); v.users = p.users }
    })
  }

  /** Emits with an ack; resolves with the ack's arguments, or null after `ms` / a disconnect. */
  ackOrNull (event, data, ms = this.ackTimeoutMs) {
    return new Promise((resolve) => {
      if (!this.socket.connected) return resolve(null)
      this.socket.timeout(ms).emit(event, data, (err, ...args) => resolve(err ? null : args))
    })
  }

  /** Joins `room` as `username` (cluster-wide unique); throws with the refusal reason. */
  async join (room, username) {
    const v = this.rooms.get(room) ?? new RoomView(room, username)
    const ack = await this.ackOrNull('join', { username, room, banter: { v: 1 } }, 10_000)
    if (!ack) throw new Error(`no answer to join ${room}`)
    if (ack[0] !== null) throw new Error(ack[0])
    this.rooms.set(room, v)
    this.accepted(v, ack[1])
    return ack[1]
  }

  accepted (v, joined) {
    v.joined = true
    v.users = joined.users
    v.latestSeq = joined.latestSeq
    for (const m of joined.history) v.add(m, 'history')
    if (joined.latestSeq > v.contiguous) this.fill(v)
    this.pump()
  }

  onConnect () {
    this.gen++
    this.stats.connects++
    for (const v of this.rooms.values()) this.rejoin(v, this.gen)
  }

  /**
   * Re-joins after a reconnect with `since` = what it has. The name may still be held by the
   * node that died (until the cluster drops that node's members): retried, bounded.
   */
  async rejoin (v, gen) {
    const end = Date.now() + 30_000
    while (!this.closed && gen === this.gen && Date.now() < end) {
      const ack = await this.ackOrNull('join', { username: v.username, room: v.name, banter: { v: 1, since: v.contiguous } })
      if (gen !== this.gen) return
      if (ack && ack[0] === null) {
        v.rejoinedAt = Date.now()
        this.accepted(v, ack[1])
        return
      }
      if (ack) { this.stats.rejoinRefusals++; v.lastRejoinRefusal = ack[0] }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }

  onDisconnect () {
    this.stats.disconnects++
    this.disconnectedAt = Date.now()
    for (const v of this.rooms.values()) v.joined = false
    // In flight on the lost connection: unknown whether stored; resent (same id) after rejoin.
    for (const e of this.outbox) if (e.state === 'inflight') { e.state = 'queued'; this.inflight-- }
  }

  onMessage (msg) {
    const v = this.rooms.get(msg.room)
    if (!v) return
    v.add(msg, 'live')
    if (v.highest > v.contiguous) this.fill(v)
  }

  /**
   * Reads history after `contiguous` until there is no gap (single-flight per room). A gap may
   * be a message still on its way (no order across nodes): waits a moment before reading.
   */
  fill (v) {
    if (v.filling) { v.fillAgain = true; return v.filling }
    v.filling = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 100))
      for (let round = 0; round < 1000 && !this.closed; round++) {
        v.fillAgain = false
        if (!v.joined) break // the rejoin's snapshot carries on from `contiguous`
        const want = Math.max(v.highest, v.latestSeq ?? 0)
        if (v.contiguous >= want) break
        this.stats.fills++
        const ack = await this.ackOrNull('banter:history', { room: v.name, since: v.contiguous, limit: 500 })
        if (!ack || ack[0] !== null) { await new Promise((resolve) => setTimeout(resolve, 200)); continue }
        const before = v.contiguous
        for (const m of ack[1].messages) v.add(m, 'history')
        if (!ack[1].more && ack[1].messages.length === 0) break
        if (v.contiguous === before) await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })().finally(() => {
      v.filling = null
      if (v.fillAgain && v.highest > v.contiguous) this.fill(v)
    })
    return v.filling
  }

  /** Reads the whole room's history (pages of 500); resolves with the messages. */
  async history (room) {
    const out = []
    for (let since = 0, page = 0; page < 1000; page++) {
      const ack = await this.ackOrNull('banter:history', { room, since, limit: 500 }, 10_000)
      if (!ack) throw new Error(`no answer to banter:history ${room} since ${since}`)
      if (ack[0] !== null) throw new Error(ack[0])
      out.push(...ack[1].messages)
      if (!ack[1].more || ack[1].messages.length === 0) return out
      since = ack[1].messages[ack[1].messages.length - 1].seq
    }
    throw new Error('history did not end')
  }

  /** Queues a send; resolves with the ack ({seq, duplicate, …}) once the server has it. */
  send (room, id, text) {
    return new Promise((resolve, reject) => {
      this.outbox.push({ room, id, text, state: 'queued', gen: 0, attempts: 0, resolve, reject })
      this.pump()
    })
  }

  /** Unacknowledged sends. */
  get pending () { return this.outbox.length }

  pump () {
    for (const e of this.outbox) {
      if (this.inflight >= this.window || !this.socket.connected) return
      if (e.state !== 'queued' || e.retryAt > Date.now()) continue
      const v = this.rooms.get(e.room)
      if (!v || !v.joined) continue
      this.transmit(e)
    }
  }

  transmit (e) {
    const gen = this.gen
    e.state = 'inflight'; e.gen = gen; e.attempts++
    this.inflight++
    this.socket.timeout(this.ackTimeoutMs).emit('banter:send', { id: e.id, room: e.room, text: e.text }, (err, reason, accepted) => {
      if (e.state !== 'inflight' || e.gen !== gen) {
        // Requeued by a disconnect; an ack that arrives anyway still settles it.
        if (!err && reason === null && e.state !== 'done') this.settle(e, accepted, false)
        return
      }
      this.inflight--
      if (err) { this.stats.ackTimeouts++; e.state = 'queued' } else if (reason === null) {
        this.settle(e, accepted, true)
      } else if (isTransient(reason)) {
        this.stats.transientRefusals++
        this.refusals.push([reason, Date.now()])
        e.state = 'queued'; e.retryAt = Date.now() + 200
        setTimeout(() => this.pump(), 210)
      } else {
        e.state = 'done'
        this.outbox.splice(this.outbox.indexOf(e), 1)
        e.reject(new Error(reason))
      }
      this.pump()
    })
  }

  settle (e, accepted, counted) {
    if (!counted && e.state === 'inflight') this.inflight--
    e.state = 'done'
    const i = this.outbox.indexOf(e)
    if (i >= 0) this.outbox.splice(i, 1)
    e.resolve(accepted)
  }

  view (room) { return this.rooms.get(room) }

  close () {
    this.closed = true
    this.socket.disconnect()
    for (const e of this.outbox) e.reject(new Error('closed'))
    this.outbox = []
  }
}
