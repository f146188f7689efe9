// Files and images (docs/protocol.md § 15) with the official socket.io-client and fetch
// against the real banter-server: an upload is announced to the room's Banter sockets (with
// its file part) and classic sockets (a text with a signed link); downloads carry nosniff and
// are attachments unless a decoded PNG/JPEG/GIF/WebP; oversize, empty, path-like names,
// HTML, SVG with script, a decompression bomb, another room, no or a wrong session and the
// quota are each refused or served harmlessly, and nothing is written outside --files-dir.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join, relative } from 'node:path'
import { readdirSync, statSync, existsSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import { startBanter, connect, tempDir, sleep } from './support/harness.mjs'

const V = { v: 1 }
const PASSWORD = 'files-test-password'
const ok = (ack, what) => { assert.equal(ack[0], null, `${what}: ${JSON.stringify(ack[0])}`); return ack[1] }

/** Every file under `dir`, relative, sorted. */
function listTree (dir) {
  const out = []
  const walk = (d) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(relative(dir, p))
    }
  }
  if (existsSync(dir)) walk(dir)
  return out.sort()
}

function crc32 (buf) {
  let c = 0xffffffff
  for (const b of buf) {
    c ^= b
    for (let k = 0; k < 8; k++) c = (c & 1) ? ((c >>> 1) ^ 0xedb88320) : (c >>> 1)
  }
  return (~c) >>> 0
}

function chunk (type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** A real RGB PNG of w×h (or one declaring w×h over a tiny body: a decompression bomb). */
function png (w, h, { bomb = false } = {}) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2
  let raw
  if (bomb) raw = Buffer.alloc(16)
  else {
    raw = Buffer.alloc((w * 3 + 1) * h)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([x % 256, y % 256, 90], y * (w * 3 + 1) + 1 + x * 3)
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

async function register (c, name) {
  return ok(await c.ackArgs('banter:register', { name, password: PASSWORD }), `register ${name}`).token
}

function upload (srv, { session, token, room, name, body, id, stream = false }) {
  const q = new URLSearchParams()
  if (room !== undefined) q.set('room', room)
  if (name !== undefined) q.set('name', name)
  if (id) q.set('id', id)
  const headers = {}
  if (session) headers.authorization = `Bearer ${session}`
  if (token) headers['x-banter-token'] = token
  const init = { method: 'POST', headers, body }
  if (stream) {
    // no Content-Length: chunked, so the server must cut it off while reading
    const bytes = body
    init.body = new ReadableStream({
      start (ctl) { for (let i = 0; i < bytes.length; i += 65536) ctl.enqueue(bytes.subarray(i, i + 65536)); ctl.close() }
    })
    init.duplex = 'half'
  }
  return fetch(`${srv.url}/files?${q}`, init)
}

async function refused (res, status, code) {
  const body = await res.json()
  assert.equal(res.status, status, JSON.stringify(body))
  assert.equal(body.code, code, JSON.stringify(body))
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
  assert.ok(body.error.length > 5)
  return body
}

const bearer = (session) => ({ headers: { authorization: `Bearer ${session}` } })

test('an upload is announced to Banter and classic members and downloaded safely; every hostile upload is refused or harmless; nothing outside --files-dir', async () => {
  const { dir, remove } = tempDir()
  const filesDir = join(dir, 'uploads')
  const clients = []
  const client = async (o) => { const c = await connect(srv.url, o); clients.push(c); return c }
  const srv = await startBanter({ db: join(dir, 'banter.db'), keepDb: true, args: ['--files-dir', filesDir, '--max-upload-mb', '1', '--files-quota-mb', '3'] })
  const outsideBefore = listTree(dir).filter((p) => !p.startsWith('uploads/') && !p.startsWith('banter.db'))
  try {
    const ann = await client()
    const annSession = await register(ann, 'ann')
    const bob = await client()
    const bobSession = await register(bob, 'bob')
    const eve = await client()
    const eveSession = await register(eve, 'eve')
    const [hello] = await ann.next('banter:hello')
    assert.ok(hello.features.includes('files'), hello.features)
    assert.deepEqual(hello.files, { maxUploadBytes: 1024 * 1024, quotaBytes: 3 * 1024 * 1024 })
    const joined = ok(await ann.ackArgs('join', { username: 'ann', room: 'files', banter: V }), 'ann joins')
    assert.equal(joined.limits.maxUploadBytes, 1024 * 1024)
    ok(await bob.ackArgs('join', { username: 'bob', room: 'files', banter: V }), 'bob joins')
    ok(await eve.ackArgs('join', { username: 'eve', room: 'elsewhere', banter: V }), 'eve joins another room')
    const classic = await client()
    assert.deepEqual(await classic.ackArgs('join', { username: 'cy', room: 'files' }), [])

    // a plain file: 201, announced to everyone in the room
    const notes = Buffer.from('meeting notes\nline two\n')
    let res = await upload(srv, { session: annSession, room: 'files', name: 'notes.txt', body: notes, id: 'file-msg-1' })
    assert.equal(res.status, 201, await res.clone().text())
    const up = await res.json()
    assert.equal(up.id, 'file-msg-1')
    assert.equal(up.duplicate, false)
    assert.deepEqual({ ...up.file, id: typeof up.file.id, link: typeof up.file.link }, { id: 'string', name: 'notes.txt', size: notes.length, mime: 'text/plain', link: 'string' })
    const [m] = await bob.next('banter:message', (x) => x.id === 'file-msg-1')
    assert.deepEqual(m.file, up.file)
    assert.equal(m.username, 'ann')
    assert.equal(m.kind, 'text')
    const [cm] = await classic.next('message', (x) => x.username === 'ann')
    assert.match(cm.text, /^notes\.txt \(23 B\) http:\/\/127\.0\.0\.1:\d+\/files\/[0-9a-f]{32}\/notes%2Etxt\?exp=\d+&sig=[0-9a-f]{32}$/)
    // a retry of the same id posts nothing again
    res = await upload(srv, { session: annSession, room: 'files', name: 'notes.txt', body: notes, id: 'file-msg-1' })
    const again = await res.json()
    assert.equal(again.duplicate, true)
    assert.equal(again.seq, up.seq)

    // download: with a session that may read the room, or the signed link alone
    res = await fetch(`${srv.url}/files/${up.file.id}`, bearer(bobSession))
    assert.equal(res.status, 200)
    assert.equal(Buffer.from(await res.arrayBuffer()).toString(), notes.toString())
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(res.headers.get('content-type'), 'application/octet-stream')
    assert.match(res.headers.get('content-disposition'), /^attachment; filename="notes\.txt"/)
    const link = cm.text.split(' ').pop()
    res = await fetch(link)
    assert.equal(res.status, 200, 'the classic peer\'s link works without a session')
    assert.equal(await res.text(), notes.toString())
    // the signature with its first digit changed (whatever that digit was)
    await refused(await fetch(link.replace(/sig=(.)/, (_, c) => `sig=${c === '0' ? '1' : '0'}`)), 403, 'not_allowed')
    await refused(await fetch(`${srv.url}/files/${up.file.id}`), 401, 'not_signed_in')
    await refused(await fetch(`${srv.url}/files/${up.file.id}`, bearer('f'.repeat(64))), 401, 'not_signed_in')
    await refused(await fetch(`${srv.url}/files/${up.file.id}`, bearer(eveSession)), 403, 'not_allowed')
    await refused(await fetch(`${srv.url}/files/${'0'.repeat(32)}`, bearer(bobSession)), 404, 'not_found')
    await refused(await fetch(`${srv.url}/files/..%2F..%2Fetc%2Fpasswd`, bearer(bobSession)), 404, 'not_found')

    // a real image: decoded, inline, with a thumbnail (PNG, at most 400 px a side)
    const picture = png(640, 320)
    res = await upload(srv, { session: annSession, room: 'files', name: 'shot.png', body: picture })
    assert.equal(res.status, 201, await res.clone().text())
    const img = (await res.json()).file
    assert.deepEqual([img.mime, img.width, img.height, img.thumb], ['image/png', 640, 320, true])
    res = await fetch(`${srv.url}/files/${img.id}/shot.png`, bearer(bobSession))
    assert.equal(res.headers.get('content-type'), 'image/png')
    assert.match(res.headers.get('content-disposition'), /^inline/)
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), picture)
    res = await fetch(`${srv.url}/thumbs/${img.id}`, bearer(bobSession))
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'image/png')
    const thumb = Buffer.from(await res.arrayBuffer())
    assert.deepEqual([thumb.readUInt32BE(16), thumb.readUInt32BE(20)], [400, 200])

    // HTML and SVG with script: attachments, never text/html or image/svg+xml
    const html = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>')
    res = await upload(srv, { session: annSession, room: 'files', name: 'page.html', body: html })
    const page = (await res.json()).file
    assert.equal(page.mime, 'text/html')
    res = await fetch(`${srv.url}/files/${page.id}/page.html`, bearer(bobSession))
    assert.equal(res.headers.get('content-type'), 'application/octet-stream')
    assert.match(res.headers.get('content-disposition'), /^attachment/)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    assert.match(res.headers.get('content-security-policy'), /sandbox/)
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    res = await upload(srv, { session: annSession, room: 'files', name: 'logo.svg', body: svg })
    const logo = (await res.json()).file
    assert.equal(logo.thumb, undefined)
    res = await fetch(`${srv.url}/files/${logo.id}`, bearer(bobSession))
    assert.equal(res.headers.get('content-type'), 'application/octet-stream')
    assert.match(res.headers.get('content-disposition'), /^attachment; filename="logo\.svg"/)
    await refused(await fetch(`${srv.url}/thumbs/${logo.id}`, bearer(bobSession)), 404, 'not_found')
    // HTML named .png is not an image
    res = await upload(srv, { session: annSession, room: 'files', name: 'fake.png', body: html })
    assert.equal((await res.json()).file.mime, 'application/octet-stream')

    // a path for a name: stored under its hash, named by its last part
    res = await upload(srv, { session: annSession, room: 'files', name: '../../etc/passwd', body: Buffer.from('root:x:0:0::/root:/bin/sh\n') })
    assert.equal(res.status, 201)
    assert.equal((await res.json()).file.name, 'passwd')
    await refused(await upload(srv, { session: annSession, room: 'files', name: '../..', body: notes }), 400, 'invalid')

    // refusals: empty, oversize (declared and streamed), a bomb, another room, guests, tokens
    const before = listTree(filesDir)
    await refused(await upload(srv, { session: annSession, room: 'files', name: 'empty.txt', body: Buffer.alloc(0) }), 400, 'empty')
    const big = Buffer.alloc(1024 * 1024 + 1, 7)
    const tooBig = await refused(await upload(srv, { session: annSession, room: 'files', name: 'big.bin', body: big }), 413, 'too_large')
    assert.equal(tooBig.error, 'The file is too large (at most 1 MB).')
    await refused(await upload(srv, { session: annSession, room: 'files', name: 'big.bin', body: big, stream: true }), 413, 'too_large')
    const bomb = await refused(await upload(srv, { session: annSession, room: 'files', name: 'bomb.png', body: png(100000, 100000, { bomb: true }) }), 422, 'image_refused')
    assert.match(bomb.error, /too large to show/)
    await refused(await upload(srv, { session: eveSession, room: 'files', name: 'x.txt', body: notes }), 403, 'not_allowed')
    await refused(await upload(srv, { room: 'files', name: 'x.txt', body: notes }), 401, 'not_signed_in')
    await refused(await upload(srv, { session: 'nonsense', room: 'files', name: 'x.txt', body: notes }), 401, 'not_signed_in')
    await refused(await upload(srv, { session: annSession, name: 'x.txt', body: notes }), 400, 'invalid')
    await sleep(100)
    assert.deepEqual(listTree(filesDir), before, 'a refused upload leaves nothing behind')

    // the quota: 3 MB in all per account
    const chunkMb = Buffer.alloc(1000 * 1000, 1)
    for (let i = 0; i < 2; i++) {
      res = await upload(srv, { session: bobSession, room: 'files', name: `part${i}.bin`, body: Buffer.concat([chunkMb, Buffer.from([i])]) })
      assert.equal(res.status, 201, await res.clone().text())
    }
    res = await upload(srv, { session: bobSession, room: 'files', name: 'part2.bin', body: Buffer.concat([chunkMb, Buffer.from([2])]) })
    assert.equal(res.status, 201, await res.clone().text())
    const quota = await refused(await upload(srv, { session: bobSession, room: 'files', name: 'part3.bin', body: Buffer.concat([chunkMb, Buffer.from([3])]) }), 413, 'quota')
    assert.match(quota.error, /quota/)

    // a DM: its members may read its files, nobody else; a member who blocks you stops your uploads
    const opened = ok(await ann.ackArgs('banter:dm-open', { with: ['bob'] }), 'ann opens a DM with bob')
    res = await upload(srv, { session: annSession, room: opened.dm, name: 'private.txt', body: Buffer.from('just us') })
    assert.equal(res.status, 201, await res.clone().text())
    const secret = (await res.json()).file
    await bob.next('banter:message', (x) => x.room === opened.dm && x.file && x.file.id === secret.id)
    res = await fetch(`${srv.url}/files/${secret.id}`, bearer(bobSession))
    assert.equal(await res.text(), 'just us')
    await refused(await fetch(`${srv.url}/files/${secret.id}`, bearer(eveSession)), 403, 'not_allowed')
    await refused(await upload(srv, { session: eveSession, room: opened.dm, name: 'x.txt', body: notes }), 403, 'not_allowed')
    assert.deepEqual(await bob.ackArgs('banter:block', { name: 'ann' }), [])
    const blocked = await refused(await upload(srv, { session: annSession, room: opened.dm, name: 'more.txt', body: notes }), 403, 'not_allowed')
    assert.equal(blocked.error, 'You cannot write to this conversation: a member has blocked you.')

    // a removed message's file is gone for everyone
    ok(await ann.ackArgs('banter:remove', { room: 'files', id: 'file-msg-1' }), 'ann removes her file message')
    await refused(await fetch(`${srv.url}/files/${up.file.id}`, bearer(bobSession)), 404, 'not_found')
    await refused(await fetch(link), 404, 'not_found')

    // history carries the part; edits of a file message are refused
    const [, hist] = await bob.ackArgs('banter:history', { room: 'files', since: 0 })
    assert.ok(hist.messages.find((x) => x.file && x.file.id === img.id))
    assert.deepEqual(await ann.ackArgs('banter:edit', { room: 'files', id: hist.messages.find((x) => x.file && x.file.id === img.id).id, text: 'x' }), ['Only a text message can be edited.'])

    // what is on disk: blobs by hash, thumbnails, the link key; nothing else, nothing outside
    const tree = listTree(filesDir)
    for (const p of tree) assert.match(p, /^(blobs\/[0-9a-f]{2}\/[0-9a-f]{64}|thumbs\/[0-9a-f]{2}\/[0-9a-f]{64}|link\.key)$/, p)
    assert.ok(tree.length >= 8, tree.join('\n'))
    const outsideAfter = listTree(dir).filter((p) => !p.startsWith('uploads/') && !p.startsWith('banter.db'))
    assert.deepEqual(outsideAfter, outsideBefore)
  } finally {
    for (const c of clients) c.close()
    await srv.stop()
    remove()
  }
})

test('a server with an access token wants it beside the session, on uploads and downloads', async () => {
  const { dir, remove } = tempDir()
  const srv = await startBanter({ db: join(dir, 'banter.db'), keepDb: true, token: 'files-token' })
  const clients = []
  try {
    const ann = await connect(srv.url, { auth: { token: 'files-token' } })
    clients.push(ann)
    const session = await register(ann, 'ann')
    ok(await ann.ackArgs('join', { username: 'ann', room: 'lobby', banter: V }), 'join')
    await refused(await upload(srv, { session, room: 'lobby', name: 'a.txt', body: Buffer.from('a') }), 401, 'unauthorized')
    let res = await upload(srv, { session, token: 'files-token', room: 'lobby', name: 'a.txt', body: Buffer.from('a') })
    assert.equal(res.status, 201)
    const { file } = await res.json()
    await refused(await fetch(`${srv.url}/files/${file.id}`, bearer(session)), 401, 'unauthorized')
    res = await fetch(`${srv.url}/files/${file.id}`, { headers: { authorization: `Bearer ${session}`, 'x-banter-token': 'files-token' } })
    assert.equal(await res.text(), 'a')
    // the default files dir is beside the database
    assert.ok(existsSync(join(dir, 'files', 'link.key')))
  } finally {
    for (const c of clients) c.close()
    await srv.stop()
    remove()
  }
})
