// Peers of the app in e2e tests: official socket.io-client sockets (a Banter account or a
// classic client) that keep every event they hear.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { io } = require('socket.io-client')

/** A socket to `url`: `{s, heard, ask(event, payload) → the ack's arguments (['timeout']
 * when none came in 10 s), of(event) → the first argument of each such event heard}`. */
export async function socket(url) {
  const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true })
  const heard = []
  s.onAny((event, ...args) => heard.push({ event, args }))
  await new Promise((res, rej) => {
    s.once('connect', res)
    s.once('connect_error', rej)
  })
  const ask = (event, payload) => new Promise((res) => s.timeout(10000).emit(event, payload, (timeout, ...args) => res(timeout ? ['timeout'] : args)))
  return { s, heard, ask, of: (event) => heard.filter((h) => h.event === event).map((h) => h.args[0]) }
}
