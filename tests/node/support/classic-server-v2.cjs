// The classic Socket.IO chat-tutorial server on socket.io 2.x (Engine.IO protocol v3,
// Socket.IO protocol v4): the version the tutorial was written on and that many of its
// deployments still run. The logic is classic-server.cjs's, run on the 2.x package.
// In Engine.IO v3 the *client* sends the pings; a client that does not is dropped after
// pingInterval + pingTimeout.
//
// Usage: node classic-server-v2.cjs [port]   (0 = any free port; prints {"port": N} on stdout)
// SOCKETIO_PACKAGE=socket.io-v2 (2.5.1, default) | socket.io-v2.2 (2.2.0): the npm alias to run.
// CLASSIC_TRANSPORTS=polling serves long-polling only.
// CLASSIC_LOG=1 logs engine connections on stderr (see classic-server.cjs).
// CLASSIC_PING_INTERVAL / CLASSIC_PING_TIMEOUT (ms) override 2.x's defaults (25000 / 5000).
process.env.SOCKETIO_PACKAGE = process.env.SOCKETIO_PACKAGE || 'socket.io-v2'
require('./classic-server.cjs')
