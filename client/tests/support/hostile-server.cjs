// A hostile Socket.IO server on the official `socket.io` package, for banter-client's
// robustness tests. It accepts a classic `join`, then, on the client's `sendMessage` with a
// command text, misbehaves:
//   "wrong-types"  message/roomData/banter:* payloads with wrong types and missing fields
//   "huge"         a 2 MB message text and a 100k-member roomData
//   "flood"        5,000 events with unknown names
//   "burst"        10,000 valid `message` events in one go
//   "bad-ack"      acks this very message with a number instead of nothing / a string
//   "swallow-once…" (any text starting so) the first time: no ack and no echo, as if it
//                  was lost on the way; the same text again is acked and echoed
//   "echo-no-ack…" (any text starting so) echoed to the room but never acked, as when
//                  the connection dies between the broadcast and the ack
// Every other text is acked normally and echoed as a classic `message`.
// Usage: node hostile-server.cjs [port]   (prints {"port": N} first)
const http = require('http')
const { Server } = require('socket.io')

const server = http.createServer()
const io = new Server(server, { maxHttpBufferSize: 1e8 })
const now = () => Date.now()
// texts already swallowed once (per server: a retry comes on a new connection)
const swallowed = new Set()

io.on('connection', (socket) => {
  let user = null
  socket.on('join', (opts, cb = () => {}) => {
    user = { username: String((opts && opts.username) || 'x').toLowerCase(), room: String((opts && opts.room) || 'r').toLowerCase() }
    socket.join(user.room)
    socket.emit('message', { username: 'Admin', text: 'Welcome!', createdAt: now() })
    io.to(user.room).emit('roomData', { room: user.room, users: [{ id: socket.id, username: user.username, room: user.room }] })
    cb()
  })
  socket.on('sendMessage', (text, cb = () => {}) => {
    if (!user) return cb('Join a room first!')
    if (typeof text === 'string' && text.startsWith('swallow-once') && !swallowed.has(text)) {
      swallowed.add(text)
      return
    }
    if (typeof text === 'string' && text.startsWith('echo-no-ack')) {
      io.to(user.room).emit('message', { username: user.username, text, createdAt: now() })
      return
    }
    switch (text) {
      case 'wrong-types':
        socket.emit('message', 'just a string')
        socket.emit('message', { username: 42, text: ['a'], createdAt: 'yesterday' })
        socket.emit('message', { text: 'no username' })
        socket.emit('message')
        socket.emit('message', null, null)
        socket.emit('roomData', { room: user.room, users: 'everyone' })
        socket.emit('roomData', [1, 2, 3])
        socket.emit('locationMessage', { username: 'x', url: 5, createdAt: 1 })
        socket.emit('banter:message', { id: 7, room: user.room, seq: -1 })
        socket.emit('banter:presence', { room: user.room, event: 'exploded' })
        socket.emit('banter:receipt', 'nope')
        socket.emit('banter:typing', { room: user.room })
        socket.emit('banter:hello', { protocol: 'one' })
        socket.emit('message', { username: 'Admin', text: 'Welcome!', createdAt: 1e300 })
        cb()
        break
      case 'huge':
        socket.emit('message', { username: 'mallory', text: 'x'.repeat(2 * 1024 * 1024), createdAt: now() })
        socket.emit('message', { username: 'm'.repeat(100000), text: 'hi', createdAt: now() })
        socket.emit('roomData', { room: user.room, users: Array.from({ length: 100000 }, (_, i) => ({ id: 's' + i, username: 'u' + i, room: user.room })) })
        cb()
        break
      case 'flood':
        for (let i = 0; i < 5000; i++) socket.emit('unknown:event:' + (i % 50), { i })
        cb()
        break
      case 'burst':
        for (let i = 0; i < 10000; i++) socket.emit('message', { username: 'burster', text: 'b' + i, createdAt: now() })
        cb()
        break
      case 'bad-ack':
        cb(12345)
        break
      default:
        io.to(user.room).emit('message', { username: user.username, text, createdAt: now() })
        cb()
    }
  })
})

const port = Number(process.argv[2] || 0)
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
})
const stop = () => { io.close(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500).unref() }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
