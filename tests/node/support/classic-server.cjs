// The classic Socket.IO chat-tutorial server, on the official `socket.io` 4.x package.
// It is the reference peer for Banter's interop tests and benchmarks: it speaks exactly the
// classic protocol of shared/docs/protocol.md and nothing more. Kept as close to the
// tutorial as possible; the only changes are guards so that a message from a socket that
// never joined gets an error ack instead of crashing the process, and the port handling.
//
// Usage: node classic-server.cjs [port]   (0 = any free port; prints {"port": N} on stdout)
// CLASSIC_TRANSPORTS=polling serves long-polling only, as some deployments (and proxies) do.
// SOCKETIO_PACKAGE: the npm package to run, `socket.io` (4.x) by default; classic-server-v2.cjs
// runs the same logic on socket.io 2.x (`require(pkg)(server, opts)` is both versions' API).
// CLASSIC_LOG=1 logs engine connections on stderr (see below).
// CLASSIC_PING_INTERVAL / CLASSIC_PING_TIMEOUT (ms) override the package's defaults.
const http = require('http')
const socketio = require(process.env.SOCKETIO_PACKAGE || 'socket.io')
const Filter = require('bad-words')

const users = []

const addUser = ({ id, username, room }) => {
  if (typeof username !== 'string' || typeof room !== 'string') {
    return { error: 'Username and room are required!' }
  }
  username = username.trim().toLowerCase()
  room = room.trim().toLowerCase()
  if (!username || !room) return { error: 'Username and room are required!' }
  const existingUser = users.find((user) => user.room === room && user.username === username)
  if (existingUser) return { error: 'Username is in use!' }
  const user = { id, username, room }
  users.push(user)
  return { user }
}
const removeUser = (id) => {
  const index = users.findIndex((user) => user.id === id)
  if (index !== -1) return users.splice(index, 1)[0]
}
const getUser = (id) => users.find((user) => user.id === id)
const getUsersInRoom = (room) => users.filter((user) => user.room === room)

const generateMessage = (username, text) => ({ username, text, createdAt: new Date().getTime() })
const generateLocationMessage = (username, url) => ({ username, url, createdAt: new Date().getTime() })

const server = http.createServer()
const transports = process.env.CLASSIC_TRANSPORTS ? process.env.CLASSIC_TRANSPORTS.split(',') : undefined
const ping = {}
if (process.env.CLASSIC_PING_INTERVAL) ping.pingInterval = Number(process.env.CLASSIC_PING_INTERVAL)
if (process.env.CLASSIC_PING_TIMEOUT) ping.pingTimeout = Number(process.env.CLASSIC_PING_TIMEOUT)
const io = socketio(server, { maxHttpBufferSize: 1e6, ...ping, ...(transports ? { transports } : {}) })
const filter = new Filter()
const noop = () => {}

// CLASSIC_LOG=1: one JSON line per engine connection and disconnection on stderr, so tests
// can count reconnects ({"event":"disconnect","reason":"ping timeout"} is the 2.x drop).
const log = process.env.CLASSIC_LOG ? (o) => process.stderr.write(JSON.stringify(o) + '\n') : noop
io.engine.on('connection', (conn) => {
  log({ event: 'connect', id: conn.id, transport: conn.transport.name })
  conn.on('upgrade', (t) => log({ event: 'upgrade', id: conn.id, transport: t.name }))
  conn.on('close', (reason) => log({ event: 'disconnect', id: conn.id, reason }))
})

io.on('connection', (socket) => {
  socket.on('join', (options, callback = noop) => {
    const { error, user } = addUser({ id: socket.id, ...(options || {}) })
    if (error) return callback(error)
    socket.join(user.room)
    socket.emit('message', generateMessage('Admin', 'Welcome!'))
    socket.broadcast.to(user.room).emit('message', generateMessage('Admin', `${user.username} has joined!`))
    io.to(user.room).emit('roomData', { room: user.room, users: getUsersInRoom(user.room) })
    callback()
  })

  socket.on('sendMessage', (message, callback = noop) => {
    const user = getUser(socket.id)
    if (!user) return callback('Join a room first!')
    if (typeof message === 'string' && filter.isProfane(message)) return callback('Profanity is not allowed!')
    io.to(user.room).emit('message', generateMessage(user.username, message))
    callback()
  })

  socket.on('sendLocation', (coords, callback = noop) => {
    const user = getUser(socket.id)
    if (!user) return callback('Join a room first!')
    io.to(user.room).emit('locationMessage', generateLocationMessage(user.username, `https://google.com/maps?q=${coords.latitude},${coords.longitude}`))
    callback()
  })

  socket.on('disconnect', () => {
    const user = removeUser(socket.id)
    if (user) {
      io.to(user.room).emit('message', generateMessage('Admin', `${user.username} has left!`))
      io.to(user.room).emit('roomData', { room: user.room, users: getUsersInRoom(user.room) })
    }
  })
})

const port = Number(process.argv[2] || process.env.PORT || 0)
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
})
const stop = () => { io.close(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500).unref() }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
