// The server side of the bench: banter-server (release, --rate-limit 0, a temp database) and
// socket.io-client peers that seed history and send the bursts.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { io } from 'socket.io-client'
import { SERVER_BIN, started, work } from './common.mjs'

export async function startServer() {
  const db = join(work, 'server.db')
  const env = { ...process.env, RUST_LOG: 'warn' }
  delete env.BANTER_TOKEN
  const proc = spawn(SERVER_BIN, ['--listen', '127.0.0.1:0', '--db', db, '--rate-limit', '0', '--room-creations-per-hour', '0', '--room-creations-per-hour-total', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  started.push({ kind: 'banter-server', proc })
  const line = await new Promise((res, rej) => {
    createInterface({ input: proc.stdout }).once('line', res)
    proc.once('exit', (c) => rej(new Error(`banter-server exited with ${c}`)))
  })
  const m = line.match(/listening on (\S+)/)
  if (!m) throw new Error(`unexpected server output: ${line}`)
  return { url: `http://${m[1]}`, pid: proc.pid }
}

export async function peer(url, username, rooms) {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true })
  await new Promise((res, rej) => {
    socket.once('connect', res)
    socket.once('connect_error', rej)
  })
  for (const room of rooms) {
    const err = await socket.timeout(10000).emitWithAck('join', { username, room, banter: { v: 1 } })
    if (err) throw new Error(`join refused: ${err}`)
  }
  return socket
}
// banter-server's profanity filter reads digits as letters ("581" → "sbi"…): numbers in
// texts are written with dots between digits, which it lets through (checked for 0–9999).
export const dotted = (i, w = 5) => String(i).padStart(w, '0').split('').join('.')
let idSeq = 0
export function send(socket, room, text) {
  const id = `b${process.pid}-${++idSeq}`
  return socket.timeout(30000).emitWithAck('banter:send', { id, room, text }).then((err) => {
    if (err) throw new Error(`send refused: ${err}`)
  })
}
/** Seeds `total` messages spread round robin over `rooms`, 64 in flight at a time. */
export async function seed(url, total, rooms) {
  const s = await peer(url, 'seeder', rooms)
  const t0 = Date.now()
  let next = 0
  const worker = async () => {
    while (next < total) {
      const i = next++
      await send(s, rooms[i % rooms.length], `seed message ${dotted(i, 6)} — some ordinary chat text of a typical length, about seventy chars`)
    }
  }
  await Promise.all(Array.from({ length: 64 }, worker))
  s.close()
  return { messages: total, rooms: rooms.length, ms: Date.now() - t0 }
}

/** Sends `total` messages at `rate` per second, round robin over `rooms` (a bounded loop,
 * every send acknowledged); `text(i)` writes the i-th. Returns counts and times. */
export async function paced(socket, rooms, total, rate, text) {
  let sent = 0
  let acked = 0
  let refused = 0
  const reasons = {}
  const pending = []
  const t0 = Date.now()
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate))
    while (sent < due) {
      const i = sent++
      pending.push(
        send(socket, rooms[i % rooms.length], text(i))
          .then(() => acked++)
          .catch((e) => {
            refused++
            reasons[e.message] = (reasons[e.message] ?? 0) + 1
          }),
      )
    }
    await new Promise((r) => setTimeout(r, 2))
  }
  const tSent = Date.now()
  await Promise.all(pending)
  return { sent, acked, refused, refusedReasons: reasons, t0, sendMs: tSent - t0, allAckedAfterMs: Date.now() - t0, achievedRatePerS: Math.round(sent / ((tSent - t0) / 1000)) }
}
