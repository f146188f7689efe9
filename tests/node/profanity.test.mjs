// The profanity filter, differentially: the chat tutorial's own filter (`bad-words`, as
// the tutorial uses it: `new Filter().isProfane(message)`) and the real banter-server must
// agree on every message of a corpus nobody here wrote (licence texts and package
// descriptions Debian ships) and on every entry of the filter's list in a sentence, in
// lower, upper and mixed case. `--profanity tutorial` (the default) must agree on all of
// them; `strict` is measured and reported; `off` refuses nothing.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { startBanter, connect, repoRoot } from './support/harness.mjs'

const require = createRequire(import.meta.url)
const Filter = require('bad-words')
const filter = new Filter()
const REFUSED = 'Profanity is not allowed!'

const servers = []
after(async () => { for (const s of servers) await s.stop() })

function distinct (lines) {
  return [...new Set(lines.map((l) => l.trim()).filter((l) => l && l !== '.'))]
}

function licenceLines () {
  const dir = '/usr/share/common-licenses'
  const names = ['GPL-3', 'Apache-2.0', 'Artistic']
  if (!names.every((n) => existsSync(join(dir, n)))) {
    console.log(`skipped: ${dir}/{${names}} missing (not a Debian machine?)`)
    return []
  }
  return distinct(names.flatMap((n) => readFileSync(join(dir, n), 'utf8').split('\n')))
}

function packageDescriptionLines () {
  const path = '/var/lib/dpkg/status'
  if (!existsSync(path)) { console.log(`skipped: ${path} missing (not a Debian machine?)`); return [] }
  const out = []
  let inDescription = false
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('Description: ')) {
      inDescription = true
      out.push(line.slice('Description: '.length))
    } else if (inDescription && line.startsWith(' ')) {
      out.push(line)
    } else {
      inDescription = false
    }
  }
  return distinct(out)
}

const isWord = (c) => c !== undefined && /[A-Za-z0-9_]/.test(c)
const mixed = (w) => [...w].map((c, i) => i % 2 ? c.toLowerCase() : c.toUpperCase()).join('')
const words = [...new Set(filter.list.map((w) => w.toLowerCase()))]
// Touched by a word character where the entry's own edge is not one ("a@$$b"): the only
// way bad-words refuses such an entry.
const glued = (w) => `I said${isWord(w[0]) ? ' ' : ' a'}${w}${isWord(w[w.length - 1]) ? ' ' : 'a '}to them.`

const corpus = {
  'licence lines': licenceLines(),
  'package description lines': packageDescriptionLines(),
  'list entries in a sentence': words.map((w) => `I said ${w} to them.`),
  'list entries in a sentence, upper case': words.map((w) => `I SAID ${w.toUpperCase()} TO THEM.`),
  'list entries in a sentence, mixed case': words.map((w) => `I said ${mixed(w)} to them.`),
  'list entries glued to a word character': words.flatMap((w) => [glued(w), glued(w.toUpperCase()), glued(mixed(w))]),
  'list entries inside longer words': words.filter((w) => /^\w+$/.test(w)).flatMap((w) => [`They un${w}ed it.`, `They ${w}ing it.`])
}

// bad-words' verdicts, computed once for every mode (it builds one RegExp per entry per call).
const theirVerdicts = new Map()
function theirVerdict (text) {
  if (!theirVerdicts.has(text)) theirVerdicts.set(text, filter.isProfane(text))
  return theirVerdicts.get(text)
}

/** Sends every text as sendMessage on one classic socket; the ack of each, in order. */
// Each call joins under a name of its own: the previous call's socket may still be closing on
// the server (its name not yet free) when the next one joins. Letters only: strict mode reads
// digits as letters.
let calls = 0
async function verdicts (srv, texts) {
  const c = await connect(srv.url)
  const username = `corpus ${String.fromCharCode(97 + (calls++ % 26))}`
  try {
    assert.deepEqual(await c.ackArgs('join', { username, room: 'profanity' }), [])
    const out = []
    const batch = 200
    for (let i = 0; i < texts.length; i += batch) {
      const acks = await Promise.all(texts.slice(i, i + batch).map((t) => c.ackArgs('sendMessage', t)))
      out.push(...acks)
    }
    return out
  } finally {
    c.close()
  }
}

/** Runs the whole corpus through a server; per corpus: refusals and disagreements with bad-words. */
async function measure (mode) {
  const srv = await startBanter({ args: ['--rate-limit', '0', '--socket-buffer', '65536', ...(mode ? ['--profanity', mode] : [])] })
  servers.push(srv)
  const started = Date.now()
  const rows = []
  for (const [name, texts] of Object.entries(corpus)) {
    if (!texts.length) continue
    const acks = await verdicts(srv, texts)
    const row = { corpus: name, messages: texts.length, badWordsRefused: 0, refused: 0, agree: 0, disagree: 0, other: [], examples: [] }
    texts.forEach((t, i) => {
      const ack = acks[i]
      const ours = ack.length === 1 && ack[0] === REFUSED
      if (ack.length > 0 && !ours) { row.other.push([t, ack]); return }
      const theirs = theirVerdict(t)
      row.badWordsRefused += theirs ? 1 : 0
      row.refused += ours ? 1 : 0
      if (ours === theirs) row.agree++
      else { row.disagree++; if (row.examples.length < 3) row.examples.push(`${ours ? 'refused' : 'accepted'} ${JSON.stringify(t)}`) }
    })
    rows.push(row)
  }
  await srv.stop()
  const total = rows.reduce((n, r) => n + r.messages, 0)
  console.log(`--profanity ${mode || '(default)'}: ${total} messages in ${Date.now() - started} ms`)
  for (const r of rows) {
    console.log(`  ${r.corpus}: ${r.messages} sent, bad-words refuses ${r.badWordsRefused}, banter-server refused ${r.refused}; ` +
      `${r.agree} agree, ${r.disagree} disagree${r.examples.length ? ` (e.g. ${r.examples.join('; ')})` : ''}`)
  }
  return rows
}

test('the embedded list is the list of the installed bad-words', () => {
  const shipped = readFileSync(join(repoRoot, 'server/data/bad-words/words.txt'), 'utf8').split('\n').filter(Boolean)
  assert.deepEqual(shipped, filter.list)
  assert.deepEqual(filter.exclude, [], 'the tutorial filter excludes nothing')
})

test('default (tutorial) mode refuses exactly what bad-words refuses', async () => {
  const rows = await measure(null)
  for (const r of rows) {
    assert.deepEqual(r.other, [], `${r.corpus}: acks other than ok or refused`)
    assert.equal(r.disagree, 0, `${r.corpus}: ${r.examples.join('; ')}`)
  }
  const prose = rows.filter((r) => r.corpus.endsWith('description lines') || r.corpus === 'licence lines')
  for (const r of prose) assert.equal(r.refused, 0, `${r.corpus}: ordinary prose refused`)
  const inSentence = rows.find((r) => r.corpus === 'list entries in a sentence')
  assert.ok(inSentence.refused > 700, `${inSentence.refused} of ${inSentence.messages} list entries refused`)
})

test('strict mode (rustrict): measured against bad-words', async () => {
  const rows = await measure('strict')
  for (const r of rows) assert.deepEqual(r.other, [], `${r.corpus}: acks other than ok or refused`)
  // Reported, not required to agree: strict is the fuzzy filter, opt-in.
  const inSentence = rows.find((r) => r.corpus === 'list entries in a sentence')
  assert.ok(inSentence.refused > 0)
})

test('off mode refuses nothing', async () => {
  const srv = await startBanter({ args: ['--rate-limit', '0', '--socket-buffer', '65536', '--profanity', 'off'] })
  servers.push(srv)
  const texts = [...corpus['list entries in a sentence'], 'what the fuck']
  const acks = await verdicts(srv, texts)
  assert.equal(acks.filter((a) => a.length > 0).length, 0, JSON.stringify(acks.find((a) => a.length > 0)))
})
