// A classic chat-tutorial client on the official socket.io-client: joins a room the classic
// way (no `banter` field) and prints every `message` and `locationMessage` it gets as one JSON
// line ({event, ...payload}), after a first {"event":"joined"} line. Exits when stdin ends.
// Usage: node classic-peer.cjs URL ROOM NAME
const { io } = require('socket.io-client')
const [url, room, name] = process.argv.slice(2)
const socket = io(url, { transports: ['websocket'], reconnection: false })
const print = (v) => process.stdout.write(JSON.stringify(v) + '\n')
const fail = (m) => { process.stderr.write(String(m) + '\n'); process.exit(2) }
setTimeout(() => fail('timeout'), 60000).unref()
socket.on('connect_error', (e) => fail(e.message))
socket.on('message', (m) => print({ event: 'message', ...m }))
socket.on('locationMessage', (m) => print({ event: 'locationMessage', ...m }))
socket.on('connect', () => {
  socket.emit('join', { username: name, room }, (err) => {
    if (err) fail(err)
    print({ event: 'joined' })
  })
})
process.stdin.on('data', () => {})
process.stdin.on('end', () => { socket.close(); process.exit(0) })
