// Prints every message of a room of a Banter server as JSON lines ({id, seq, text}), paging
// with banter:history, through the official socket.io-client. Usage: node history.cjs URL ROOM [TOKEN]
const { io } = require('socket.io-client')
const [url, room, token] = process.argv.slice(2)
const socket = io(url, { transports: ['websocket'], auth: token ? { token } : undefined })
const fail = (m) => { process.stderr.write(String(m) + '\n'); process.exit(2) }
setTimeout(() => fail('timeout'), 30000).unref()
socket.on('connect_error', (e) => fail(e.message))
socket.on('connect', () => {
  socket.emit('join', { username: 'historian' + process.pid, room, banter: { v: 1, since: 0 } }, (err, joined) => {
    if (err) fail(err)
    let out = ''
    const add = (msgs) => { for (const m of msgs) out += JSON.stringify({ id: m.id, seq: m.seq, text: m.text }) + '\n'; return msgs.length ? msgs[msgs.length - 1].seq : null }
    let since = add(joined.history)
    const next = (more) => {
      if (!more) { process.stdout.write(out, () => process.exit(0)); return }
      socket.emit('banter:history', { room, since, limit: 500 }, (e, page) => {
        if (e) fail(e)
        since = add(page.messages) ?? since
        next(page.more && page.messages.length > 0)
      })
    }
    next(joined.more)
  })
})
