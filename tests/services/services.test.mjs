// Smoke test of scripts/services.sh (the throwaway PostgreSQL, Redis and HAProxy of a test run):
// every check reads back something it wrote, through the URLs of DIR/env, so it cannot pass
// against a missing or foreign service. Run by scripts/test.sh after `services.sh start DIR` and
// `source DIR/env`; by hand: `bash scripts/services.sh start /tmp/svc && source /tmp/svc/env &&
// node --test tests/services/`. Only Node built-ins, psql and redis-cli.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { connect, createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const NEEDED = ['BANTER_TEST_SERVICES_DIR', 'BANTER_TEST_DATABASE_URL', 'BANTER_TEST_PG_DATA', 'BANTER_TEST_REDIS_URL',
  'BANTER_TEST_REDIS_TCP_URL', 'BANTER_PG_BIN', 'BANTER_REDIS_SERVER', 'BANTER_REDIS_CLI', 'BANTER_HAPROXY', 'BANTER_SERVICES_SCRIPT']
const missing = NEEDED.filter((k) => !process.env[k])
if (missing.length) {
  throw new Error(`missing ${missing.join(', ')}: run \`bash scripts/services.sh start DIR && source DIR/env\` first`)
}
const env = Object.fromEntries(NEEDED.map((k) => [k, process.env[k]]))
const dir = env.BANTER_TEST_SERVICES_DIR
const redisSock = new URL(env.BANTER_TEST_REDIS_URL).pathname
const redisTcp = new URL(env.BANTER_TEST_REDIS_TCP_URL)
const token = () => randomBytes(8).toString('hex')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
async function until (what, pred, ms = 10000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await pred()) return
    await sleep(50)
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'] })
const services = (...args) => run('bash', [env.BANTER_SERVICES_SCRIPT, ...args, dir])
const sql = (q) => run(join(env.BANTER_PG_BIN, 'psql'), [env.BANTER_TEST_DATABASE_URL, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', q]).trim()
const redis = (...args) => run(env.BANTER_REDIS_CLI, ['-s', redisSock, ...args]).trim()
const redisOverTcp = (...args) => run(env.BANTER_REDIS_CLI, ['-h', redisTcp.hostname, '-p', redisTcp.port, ...args]).trim()
const redisConfig = (name) => run(env.BANTER_REDIS_CLI, ['-s', redisSock, 'config', 'get', name]).split('\n')[1]
const redisInfo = (field) => redis('info', 'server').split(/\r?\n/).find((l) => l.startsWith(field + ':'))?.split(':')[1]
const pgStarted = () => sql('select pg_postmaster_start_time()')

/** A raw RESP connection (subscriber side of pub/sub): collects everything it receives. */
function respConnection (opts) {
  const sock = connect(opts)
  const conn = { received: '', closed: false, sock }
  sock.setEncoding('utf8')
  sock.on('data', (d) => { conn.received += d })
  sock.on('close', () => { conn.closed = true })
  sock.on('error', () => {})
  conn.send = (...args) => sock.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''))
  return conn
}

test('the env points at our own PostgreSQL: a table written through the URL reads back', () => {
  assert.equal(sql('show data_directory'), env.BANTER_TEST_PG_DATA)
  assert.equal(sql('show listen_addresses'), '', 'no TCP listener')
  assert.equal(sql('show unix_socket_directories'), join(dir, 'pg'))
  assert.equal(sql('show fsync'), process.env.BANTER_TEST_PG_DURABLE === '1' ? 'on' : 'off')
  assert.equal(sql('select current_user'), 'banter')
  const t = token()
  sql('create table if not exists smoke (k text primary key, v text not null)')
  sql(`insert into smoke values ('a', '${t}') on conflict (k) do update set v = excluded.v`)
  assert.equal(sql("select v from smoke where k = 'a'"), t)
})

test('Redis over the Unix socket and over TCP is one instance without persistence', () => {
  assert.equal(redisConfig('unixsocket'), redisSock)
  assert.equal(redisConfig('save'), '')
  assert.equal(redisConfig('appendonly'), 'no')
  assert.equal(redisConfig('bind'), '127.0.0.1')
  assert.equal(redisConfig('port'), redisTcp.port)
  assert.equal(Number(redisInfo('redis_version').split('.')[0]) >= 7, true, 'Redis 7 (RESP3)')
  const t = token()
  assert.equal(redis('set', 'smoke', t), 'OK')
  assert.equal(redis('get', 'smoke'), t)
  assert.equal(redisOverTcp('get', 'smoke'), t)
})

test('Redis PUBLISH over TCP reaches a SUBSCRIBE on the Unix socket', async () => {
  const sub = respConnection({ path: redisSock })
  try {
    const channel = `smoke-${token()}`
    const t = token()
    sub.send('SUBSCRIBE', channel)
    await until('the subscribe confirmation', () => sub.received.includes('subscribe') && sub.received.includes(channel))
    assert.equal(redisOverTcp('publish', channel, t), '1', 'one subscriber received it')
    await until('the published message', () => sub.received.includes(t))
  } finally {
    sub.sock.destroy()
  }
})

test('a second start on a running DIR reuses both services', () => {
  const runId = redisInfo('run_id')
  const pgSince = pgStarted()
  const envBefore = readFileSync(join(dir, 'env'), 'utf8')
  const durable = process.env.BANTER_TEST_PG_DURABLE === '1' ? ['--durable'] : []
  run('bash', [env.BANTER_SERVICES_SCRIPT, 'start', ...durable, dir])
  assert.equal(redisInfo('run_id'), runId)
  assert.equal(pgStarted(), pgSince)
  assert.equal(readFileSync(join(dir, 'env'), 'utf8'), envBefore)
})

test('restart-redis: a new process on the same socket and port, its data gone, subscribers cut off', async () => {
  const runId = redisInfo('run_id')
  const t = token()
  redis('set', 'volatile', t)
  const sub = respConnection({ path: redisSock })
  try {
    sub.send('SUBSCRIBE', 'smoke-restart')
    await until('the subscribe confirmation', () => sub.received.includes('smoke-restart'))
    services('restart-redis')
    await until('the subscriber to see the connection close', () => sub.closed)
  } finally {
    sub.sock.destroy()
  }
  assert.notEqual(redisInfo('run_id'), runId, 'another redis-server process')
  assert.equal(redis('exists', 'volatile'), '0')
  assert.equal(redisOverTcp('ping'), 'PONG')
})

test('stop-pg makes the URL fail, start-pg and restart-pg bring it back with its data', () => {
  const t = token()
  sql(`insert into smoke values ('durable', '${t}') on conflict (k) do update set v = excluded.v`)
  const since = pgStarted()
  services('stop-pg')
  assert.throws(() => sql('select 1'), /No such file|could not connect|connection to server/)
  services('start-pg')
  assert.equal(sql("select v from smoke where k = 'durable'"), t)
  const second = pgStarted()
  assert.notEqual(second, since)
  services('restart-pg')
  assert.notEqual(pgStarted(), second)
  assert.equal(sql("select v from smoke where k = 'durable'"), t)
})

test('HAProxy starts on a free loopback port and proxies a TCP connection to a Node HTTP server', async () => {
  const t = token()
  const http = createServer((req, res) => res.end(`${t} ${req.url}`))
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve))
  const free = createTcpServer()
  await new Promise((resolve) => free.listen(0, '127.0.0.1', resolve))
  const port = free.address().port
  await new Promise((resolve) => free.close(resolve))
  const cfgDir = mkdtempSync(join(tmpdir(), 'banter-haproxy-'))
  const cfg = join(cfgDir, 'haproxy.cfg')
  writeFileSync(cfg, [
    'global', '  maxconn 64',
    'defaults', '  mode tcp', '  timeout connect 2s', '  timeout client 10s', '  timeout server 10s',
    'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
    'backend be', `  server node1 127.0.0.1:${http.address().port}`, ''
  ].join('\n'))
  const version = run(env.BANTER_HAPROXY, ['-v']).split('\n')[0]
  assert.match(version, /^HAProxy version 2\.\d+/)
  const proxy = spawn(env.BANTER_HAPROXY, ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  proxy.stdout.on('data', (d) => { output += d })
  proxy.stderr.on('data', (d) => { output += d })
  let exited = false
  proxy.on('exit', () => { exited = true })
  try {
    const get = (path) => fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.text())
    await until('HAProxy to accept connections', async () => {
      assert.equal(exited, false, `haproxy exited: ${output}`)
      return get('/ready').then(() => true, () => false)
    })
    assert.equal(await get('/through-haproxy'), `${t} /through-haproxy`)
  } finally {
    proxy.kill('SIGTERM')
    await until('HAProxy to exit', () => exited, 10000).catch(() => proxy.kill('SIGKILL'))
    await new Promise((resolve) => http.close(resolve))
    rmSync(cfgDir, { recursive: true, force: true })
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'nothing listens once HAProxy is gone')
})
