// The official socket.io-client side of client/examples/bench_client.rs. Prints one JSON line.
// Usage: node bench_node_client.cjs burst URL
//        node bench_node_client.cjs acks URL N banter|classic
//        node bench_node_client.cjs pipeline URL N banter|classic
const { io } = require('socket.io-client')
const [mode, url, nArg, kind] = process.argv.slice(2)
const N = Number(nArg || 0)
const socket = io(url, { transports: ['websocket'] })
const room = 'bench-' + mode + '-' + process.pid
const fail = (m) => { process.stderr.write(String(m) + '\n'); process.exit(2) }
setTimeout(() => fail('timeout (connected: ' + socket.connected + ')'), 60000).unref()
socket.on('connect_error', (e) => fail('connect_error: ' + e.message))
const done = (obj) => { process.stdout.write(JSON.stringify(obj) + '\n', () => process.exit(0)) }
let seq = 0
const send = (text, cb) => {
  if (kind === 'banter') socket.emit('banter:send', { id: 'n' + process.pid + '-' + (seq++), room, text }, (err) => cb(err))
  else socket.emit('sendMessage', text, (err) => cb(err))
}
socket.on('connect', () => {
  const join = { username: 'node' + process.pid, room }
  if (kind === 'banter') join.banter = { v: 1 }
  socket.emit('join', join, (err) => {
    if (err) fail(err)
    if (mode === 'burst') {
      let got = 0
      let t0
      socket.on('message', (m) => {
        if (m.username !== 'burster') return
        if (++got === 10000) done({ events: got, ms: Number(process.hrtime.bigint() - t0) / 1e6 })
      })
      t0 = process.hrtime.bigint()
      socket.emit('sendMessage', 'burst', () => {})
    } else if (mode === 'acks') {
      const lat = []
      const one = (i) => {
        if (i === N) {
          lat.sort((a, b) => a - b)
          return done({ n: N, p50: lat[Math.floor(N * 0.5)], p99: lat[Math.floor(N * 0.99)] })
        }
        const t = process.hrtime.bigint()
        send('bench message ' + i, (e) => { if (e) fail(e); lat.push(Number(process.hrtime.bigint() - t) / 1e6); one(i + 1) })
      }
      one(0)
    } else if (mode === 'pipeline') {
      let acked = 0
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < N; i++) send('bench pipeline ' + i, (e) => { if (e) fail(e); if (++acked === N) done({ n: N, ms: Number(process.hrtime.bigint() - t0) / 1e6 }) })
    }
  })
})
