// banter-server --public DIR as a drop-in for the chat tutorial's Node server: the served
// socket.io client files are the npm package's (and carry the official server's headers),
// paths out of DIR are 404, a missing DIR is a start-up error, and a tutorial-style page
// (tests/node/fixtures/public) in a real browser — Debian's chromium through chromedriver,
// driven by webdriverio — chats through io() with banter-cli in the same room, with the
// socket.io 4.x client banter-server serves and with a socket.io 2.x client.
// No network beyond loopback: chromium's resolver maps every host name to nothing, and its
// background services are off.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, symlinkSync } from 'node:fs'
import { request } from 'node:http'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { startBanter, startClassic, serverBin, tempDir, repoRoot, until } from './support/harness.mjs'
import { startChromedriver, tutorialPageState } from './support/chromium.mjs'

const FIXTURE = join(repoRoot, 'tests/node/fixtures/public')
const CLIENT_DIST = join(repoRoot, 'node_modules/socket.io-client/dist')
const CLIENT_VERSION = JSON.parse(readFileSync(join(repoRoot, 'node_modules/socket.io-client/package.json'), 'utf8')).version
const V2_CLIENT = join(repoRoot, 'node_modules/socket.io-client-v2/dist/socket.io.js')
const SHOTS = join(repoRoot, 'test-artifacts/public')
const CLI_BIN = process.env.BANTER_CLI_BIN ||
  join(process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'banter', 'target'), 'debug', 'banter-cli')

const temps = []
function temp () { const t = tempDir(); temps.push(t); return t.dir }
after(() => temps.forEach((t) => t.remove()))

/** GET with the path sent exactly as given (no URL normalisation). */
function rawGet (port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, timeout: 5000 }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)))
    req.on('error', reject)
    req.end()
  })
}

// The names the official socket.io 4.x server serves its client under
// (clientPathRegex in node_modules/socket.io/dist/index.js).
const CLIENT_NAMES = ['', '.msgpack', '.esm'].flatMap((f) => ['', '.min'].flatMap((m) => ['', '.map'].map((x) => `socket.io${f}${m}.js${x}`)))

test('the served socket.io client files are the npm package\'s, with the official server\'s headers', { timeout: 30000 }, async () => {
  const srv = await startBanter({ args: ['--public', FIXTURE] })
  const node = await startClassic() // the official socket.io server, serving its client as it does by default
  try {
    const dist = readdirSync(CLIENT_DIST).sort()
    assert.ok(dist.length >= 8, `dist: ${dist}`)
    for (const name of dist) {
      const npm = readFileSync(join(CLIENT_DIST, name))
      // fetch asks for br/gzip/deflate and decodes: the compressed path gives the same bytes
      const res = await fetch(`${srv.url}/socket.io/${name}`)
      assert.equal(res.status, 200, name)
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(npm), `${name} is byte-identical to socket.io-client ${CLIENT_VERSION}'s`)
      const plain = await rawGet(srv.port, `/socket.io/${name}`)
      assert.ok(plain.body.equals(npm), `${name} (uncompressed)`)
    }
    for (const name of CLIENT_NAMES) {
      const ours = await rawGet(srv.port, `/socket.io/${name}`)
      if (!existsSync(join(CLIENT_DIST, name))) {
        // socket.io closes the connection without an answer for a name without a file; we say 404
        assert.equal(ours.status, 404, name)
        continue
      }
      const theirs = await rawGet(node.port, `/socket.io/${name}`)
      for (const h of ['content-type', 'etag', 'cache-control']) {
        assert.equal(ours.headers[h], theirs.headers[h], `${name}: ${h}`)
      }
      assert.equal(ours.status, theirs.status, name)
      assert.ok(ours.body.equals(theirs.body), `${name}: the same bytes as the official server sends`)
      for (const enc of ['br', 'gzip', 'deflate']) {
        const a = await rawGet(srv.port, `/socket.io/${name}`, { 'accept-encoding': enc })
        const b = await rawGet(node.port, `/socket.io/${name}`, { 'accept-encoding': enc })
        assert.equal(a.headers['content-encoding'], b.headers['content-encoding'], `${name} ${enc}`)
      }
      const etag = theirs.headers.etag
      for (const tag of [etag, `W/${etag}`]) {
        assert.equal((await rawGet(srv.port, `/socket.io/${name}`, { 'if-none-match': tag })).status, 304, `${name} ${tag}`)
        assert.equal((await rawGet(node.port, `/socket.io/${name}`, { 'if-none-match': tag })).status, 304)
      }
    }
    assert.equal((await rawGet(srv.port, '/socket.io/socket.io.js?v=3')).status, 200)
  } finally {
    await node.stop()
    await srv.stop()
  }
})

test('paths out of DIR, dotfiles and directories without index.html are 404', { timeout: 20000 }, async () => {
  const outer = temp()
  const dir = join(outer, 'public')
  cpSync(FIXTURE, dir, { recursive: true })
  writeFileSync(join(outer, 'secret.txt'), 'outside')
  writeFileSync(join(dir, '.env'), 'SECRET=1')
  mkdirSync(join(dir, 'empty'))
  symlinkSync(join(outer, 'secret.txt'), join(dir, 'leak.txt'))
  symlinkSync('/etc', join(dir, 'etc'))
  const srv = await startBanter({ args: ['--public', dir] })
  try {
    for (const [path, type] of [['/', 'text/html; charset=utf-8'], ['/chat.html?username=a&room=b', 'text/html; charset=utf-8'],
      ['/js/chat.js', 'text/javascript; charset=utf-8'], ['/css/styles.css', 'text/css; charset=utf-8'], ['/img/favicon.svg', 'image/svg+xml']]) {
      const r = await rawGet(srv.port, path)
      assert.equal(r.status, 200, path)
      assert.equal(r.headers['content-type'], type, path)
    }
    for (const path of ['/../secret.txt', '/js/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt',
      '/js%2f..%2f..%2fsecret.txt', '/..%5csecret.txt', '/leak.txt', '/etc/passwd', '/.env', '/%2eenv', '/empty/', '/js/', '/nope.html']) {
      const r = await rawGet(srv.port, path)
      assert.equal(r.status, 404, path)
      assert.ok(!/outside|root:|SECRET/.test(r.body.toString()), path)
    }
    assert.equal((await rawGet(srv.port, '/healthz')).status, 200)
  } finally {
    await srv.stop()
  }
})

test('a missing or non-directory --public DIR is a plain start-up error', { timeout: 20000 }, async () => {
  const dir = temp()
  for (const [path, why] of [[join(dir, 'public'), 'no such directory'], [join(FIXTURE, 'index.html'), 'not a directory']]) {
    for (const how of ['flag', 'env']) {
      const args = ['--listen', '127.0.0.1:0', '--db', join(dir, 'x.db'), ...(how === 'flag' ? ['--public', path] : [])]
      const env = { ...process.env, RUST_LOG: 'warn', ...(how === 'env' ? { BANTER_PUBLIC_DIR: path } : {}) }
      const child = spawn(serverBin(), args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
      const out = []; const err = []
      child.stdout.on('data', (d) => out.push(d)); child.stderr.on('data', (d) => err.push(d))
      const t = setTimeout(() => child.kill('SIGKILL'), 10000)
      const [code] = await once(child, 'exit')
      clearTimeout(t)
      assert.notEqual(code, 0, `${how} ${path}`)
      assert.equal(Buffer.concat(out).toString(), '', 'it never listened')
      assert.equal(Buffer.concat(err).toString(), `banter-server: configuration: --public ${path}: ${why}\n`)
    }
  }
  assert.ok(!existsSync(join(dir, 'x.db')), 'no store was created')
})

// ---- the real browser ----

let chromium
before(async () => { chromium = await startChromedriver() })
after(async () => { await chromium?.stop() })
const openBrowser = () => chromium.open()

/** banter-cli in a room: its --json events, and a line to send. */
async function startCli (url, name, room) {
  const child = spawn(CLI_BIN, ['chat', '--server', url, '--name', name, '--room', room, '--json', '--data-dir', temp()],
    { env: { ...process.env, BANTER_KEYRING_SERVICE: 'banter-public-test' }, stdio: ['pipe', 'pipe', 'pipe'] })
  const events = []
  const stderr = []
  child.stderr.on('data', (d) => stderr.push(d))
  createInterface({ input: child.stdout }).on('line', (line) => {
    try { events.push(JSON.parse(line)) } catch { events.push({ type: 'unparsed', line }) }
  })
  const cli = {
    events,
    async waitFor (what, pred, ms = 10000) {
      await until(() => events.some(pred), ms, `banter-cli: ${what} (stderr: ${Buffer.concat(stderr)}; events: ${JSON.stringify(events)})`)
      return events.find(pred)
    },
    send (line) { child.stdin.write(`${line}\n`) },
    async stop () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.stdin.end() // it waits for outcomes, leaves and exits
      const t = setTimeout(() => child.kill('SIGKILL'), 10000)
      await once(child, 'exit')
      clearTimeout(t)
    }
  }
  await cli.waitFor('joined', (e) => e.type === 'joined')
  return cli
}

const pageState = tutorialPageState

async function waitPage (b, what, pred, ms = 10000) {
  let last
  await until(async () => pred((last = await pageState(b))), ms, `the page: ${what} (${JSON.stringify(last)})`)
  return last
}

/** The tutorial's flow in the browser against `publicDir`, with banter-cli in the room. */
async function chatFromBrowser (publicDir, { room, shot, eio }) {
  mkdirSync(SHOTS, { recursive: true })
  const srv = await startBanter({ args: ['--public', publicDir] })
  let b; let cli
  try {
    cli = await startCli(srv.url, 'cli', room)
    b = await openBrowser()
    await b.url(`${srv.url}/`)
    await (await b.$('#username')).setValue('Web')
    await (await b.$('#room')).setValue(room)
    await b.saveScreenshot(join(SHOTS, `${shot}-1-join.png`))
    await (await b.$('form button')).click()
    await until(async () => (await b.getUrl()).includes('/chat.html?'), 10000, 'the chat page')
    const joined = await waitPage(b, 'the welcome', (s) => s.messages.some((m) => m.name === 'Admin' && m.text === 'Welcome!'))
    assert.equal(joined.eio, eio, 'the page runs the intended socket.io client')
    await waitPage(b, 'both members', (s) => s.room === room && s.users.includes('cli') && s.users.includes('web'))
    await cli.waitFor('the page\'s user joining', (e) => (e.type === 'user_joined' && e.username === 'web') || (e.type === 'users' && e.users.includes('web')))

    // the page sends; banter-cli sees it
    await (await b.$('#message-form input')).setValue('hello from the browser')
    await (await b.$('#message-form button')).click()
    const got = await cli.waitFor('the page\'s message', (e) => e.type === 'message' && e.text === 'hello from the browser')
    assert.equal(got.username, 'web')
    await waitPage(b, 'its own message', (s) => s.messages.some((m) => m.name === 'web' && m.text === 'hello from the browser'))

    // banter-cli sends; the page shows it
    cli.send('hello from banter-cli')
    await waitPage(b, 'banter-cli\'s message', (s) => s.messages.some((m) => m.name === 'cli' && m.text === 'hello from banter-cli'))
    await cli.waitFor('its delivery', (e) => e.type === 'ack' && e.status === 'delivered')
    const input = await (await b.$('#message-form input')).getValue()
    assert.equal(input, '', 'the form was cleared by the ack, as the tutorial does')
    await b.saveScreenshot(join(SHOTS, `${shot}-2-chat.png`))

    // the page's console: the tutorial's ack callback ran, and no error (favicon, client and
    // chat.js all loaded)
    const logs = await b.getLogs('browser')
    assert.ok(logs.some((l) => l.message.includes('Message delivered!')), JSON.stringify(logs))
    assert.deepEqual(logs.filter((l) => l.level === 'SEVERE'), [], 'no errors in the page\'s console')

    await cli.stop()
    await waitPage(b, 'banter-cli leaving', (s) => s.messages.some((m) => m.name === 'Admin' && m.text === 'cli has left!') && !s.users.includes('cli'))
  } finally {
    await b?.deleteSession().catch(() => {})
    await cli?.stop()
    await srv.stop()
  }
}

test('the tutorial page in chromium, with the socket.io 4.x client banter-server serves, chats with banter-cli', { timeout: 60000 }, async () => {
  await chatFromBrowser(FIXTURE, { room: 'lobby', shot: 'v4', eio: 4 })
})

test('the same page with the socket.io 2.x browser client chats with banter-cli', { timeout: 60000 }, async () => {
  // The 2.x client (npm alias socket.io-client-v2), served from a copy of the page's folder:
  // /socket.io/socket.io.js is always banter-server's own 4.x client.
  const dir = join(temp(), 'public')
  cpSync(FIXTURE, dir, { recursive: true })
  cpSync(V2_CLIENT, join(dir, 'js/socket.io.js'))
  const chat = readFileSync(join(dir, 'chat.html'), 'utf8')
  assert.ok(chat.includes('<script src="/socket.io/socket.io.js"></script>'))
  writeFileSync(join(dir, 'chat.html'), chat.replace('<script src="/socket.io/socket.io.js"></script>', '<script src="/js/socket.io.js"></script>'))
  await chatFromBrowser(dir, { room: 'legacy', shot: 'v2', eio: 3 })
})
