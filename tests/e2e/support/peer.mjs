// A second chat participant for the tests, on the official socket.io-client.
import { io } from 'socket.io-client'

export async function peer(url, { username, room, banter = true, token } = {}) {
  const socket = io(url, { transports: ['websocket'], reconnection: false, auth: token ? { token } : undefined, forceNew: true })
  const messages = []
  socket.on('banter:message', (m) => messages.push(m))
  socket.on('message', (m) => messages.push(m))
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })
  const joined = await socket.timeout(5000).emitWithAck('join', { username, room, ...(banter ? { banter: { v: 1 } } : {}) })
  // ack args: [err] or [null, JoinAccepted]; emitWithAck gives the first argument only
  if (joined) throw new Error(`join refused: ${joined}`)
  return {
    socket,
    messages,
    async send(text) {
      if (!banter) {
        // classic: sendMessage(text, callback(error?))
        const err = await socket.timeout(5000).emitWithAck('sendMessage', text)
        if (err) throw new Error(`send refused: ${err}`)
        return null
      }
      const id = `peer-${Date.now()}-${Math.random().toString(36).slice(2)}`
      const err = await socket.timeout(5000).emitWithAck('banter:send', { id, room, text })
      if (err) throw new Error(`send refused: ${err}`)
      return id
    },
    async history() {
      return new Promise((resolve, reject) => {
        socket.timeout(5000).emit('banter:history', { room, since: 0, limit: 500 }, (timeoutErr, err, page) => {
          if (timeoutErr || err) reject(timeoutErr || new Error(err))
          else resolve(page.messages)
        })
      })
    },
    close() {
      socket.close()
    },
  }
}
