// Conversations through the real window (issue 10): a team of three on a real banter-server —
// ann in the app (an account), bob on the official socket.io-client speaking Banter's
// extensions (an account), cy on a classic socket.io-client — ping each other, reply, fix a
// typo, react, share a code block and find a message again. Run through scripts/e2e.sh.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { tmp, startServer, launchApp, shot, waitFor, notifications, raiseWindowsOf, CLI_BIN } from './support/harness.mjs'
import * as ui from './support/ui.mjs'
import { socket } from './support/peers.mjs'

const NOTIFY_LOG = process.env.BANTER_NOTIFY_LOG
assert.ok(NOTIFY_LOG, 'run through scripts/e2e.sh (BANTER_NOTIFY_LOG is not set)')
const V = { v: 1 }
const ROOM = 'team'

let server
let b
let close
let appPid
/** bob: an account on a Banter socket; cy: a classic socket. Each keeps what it heard. */
let bob
let cy

/** Takes the X input focus away from every window (no window manager under Xvfb). */
function unfocusAll() {
  execFileSync('/usr/bin/python3', ['-c', 'from Xlib import X, display\nd = display.Display()\nd.set_input_focus(X.NONE, X.RevertToNone, X.CurrentTime)\nd.sync()'])
}

const $ = (sel) => b.$(sel)
const timeline = () => ui.timelineText(b)
/** The row of the message whose text includes `text` (a WebdriverIO element). */
const rowOf = async (text) => {
  const id = await waitFor(`the line "${text}"`, () =>
    b.execute((t) => [...document.querySelectorAll('[role="log"] .msg')].find((r) => r.querySelector('.text')?.textContent?.includes(t))?.getAttribute('data-id'), text),
  )
  return $(`[role="log"] .msg[data-id="${id}"]`)
}
/** Hovers the line, then clicks its tool whose accessible name starts with `label`. */
async function tool(text, label) {
  const row = await rowOf(text)
  await row.moveTo()
  const btn = await row.$(`button.msg-tool[aria-label^="${label}"]`)
  await btn.waitForClickable({ timeout: 5000 })
  await btn.click()
}
/** Sets the composer's text (newlines and all) and presses Enter. */
async function compose(text) {
  await b.execute((t) => {
    const el = document.querySelector('form.composer textarea')
    el.focus()
    el.value = t
    el.dispatchEvent(new Event('input', { bubbles: true }))
  }, text)
  await b.keys('Enter')
}
const bobSends = async (id, text) => {
  const [err, ok] = await bob.ask('banter:send', { id, room: ROOM, text })
  assert.equal(err, null, `bob's send: ${err}`)
  return ok
}

describe('Conversations in the window: mentions, markdown, replies, edits, reactions, search', { concurrency: false }, () => {
  before(async () => {
    // last week's decision, in the room's history: the server keeps its schema in the file,
    // numbers a room's lines from MAX(seq) and indexes them by trigger, so a row written
    // while it is stopped is a line like any other (dated a week ago)
    const db = join(tmp('conv-db'), 'conv.db')
    await (await startServer({ db })).stop()
    const weekAgo = Date.now() - 7 * 86400000
    execFileSync('sqlite3', [db, `INSERT INTO rooms (name, created_at) VALUES ('${ROOM}', ${weekAgo}); INSERT INTO messages (room, seq, id, username, kind, text, created_at) VALUES ('${ROOM}', 1, 'decision-1', 'bob', 'text', 'the decision: we ship on fridays', ${weekAgo});`])
    server = await startServer({ db })
    ;({ browser: b, close, appPid } = await launchApp({ BANTER_CONFIG_DIR: tmp('conv-config'), BANTER_DATA_DIR: tmp('conv-data'), BANTER_LOG: 'info,banter_desktop=debug' }))
    bob = await socket(server.url)
    const [err] = await bob.ask('banter:register', { name: 'bob', password: 'bob: a long password', device: 'e2e' })
    assert.equal(err, null, `bob registers: ${err}`)
    assert.equal((await bob.ask('join', { username: 'bob', room: ROOM, banter: V }))[0], null)
    cy = await socket(server.url)
    assert.deepEqual(await cy.ask('join', { username: 'cy', room: ROOM }), [])
  })
  after(async () => {
    bob?.s.close()
    cy?.s.close()
    await close?.()
    await server?.stop()
  })

  it('ann signs up and joins; a mention of her notifies even in the muted room, do-not-disturb silences it', async () => {
    await ui.signUpAndJoin(b, { server: server.url, name: 'ann', password: 'ann: correct horse battery', room: ROOM })
    await waitFor('bob and cy in the members', async () => /bob[\s\S]*cy/.test(await (await $('aria/Members')).getText()))

    await waitFor('muted', async () => {
      const tools = await (await $('.room-head .tools')).getText()
      if (tools.includes('Unmute room')) return true
      await (await (await $('.room-head')).$('button=Mute room')).click()
      await new Promise((r) => setTimeout(r, 500))
      return false
    }).catch(async (e) => {
      throw new Error(`${e.message}; the toast says: ${await (await $('.toast')).getText()}`)
    })
    unfocusAll()
    await waitFor('the window lost the focus', async () => !(await b.execute(() => document.hasFocus())))
    const before = notifications(NOTIFY_LOG).length
    await bobSends('plain-1', 'an ordinary line in a muted room')
    await bobSends('ping-1', '**bold** and `code` <script>window.__pwned=1</script> @ann have a look')
    const n = await waitFor('a Notify for the mention', () => notifications(NOTIFY_LOG).slice(before).find((x) => /have a look/.test(x.body)), { timeout: 20000 }).catch((e) => {
      throw new Error(`${e.message}; the witness saw ${JSON.stringify(notifications(NOTIFY_LOG).slice(before))}`)
    })
    assert.match(n.summary, /bob/)
    await new Promise((r) => setTimeout(r, 1500))
    assert.ok(!notifications(NOTIFY_LOG).slice(before).some((x) => /ordinary line/.test(x.body)), 'the muted room’s ordinary line did not notify')

    // markdown in the window: elements from the Rust tree, the script inert, the mention marked
    const row = await rowOf('have a look')
    assert.equal(await (await row.$('strong')).getText(), 'bold')
    assert.equal(await (await row.$('code')).getText(), 'code')
    assert.equal(await b.execute(() => document.querySelectorAll('[role="log"] script').length), 0)
    assert.equal(await b.execute(() => window.__pwned), null)
    assert.ok((await row.getAttribute('class')).includes('mentions-me'), 'the line that pings ann is set apart')
    assert.equal(await (await row.$('.mention.me')).getText(), '@ann')
    await waitFor('the mention badge', async () => (await b.execute(() => document.querySelector('.sidebar .badge.mentions')?.getAttribute('aria-label'))) === '1 mention of you')

    // do-not-disturb silences even a mention
    await (await $('aria/Do not disturb')).click()
    await waitFor('DND on', async () => (await (await $('aria/Do not disturb')).getAttribute('aria-pressed')) === 'true')
    unfocusAll()
    const quiet = notifications(NOTIFY_LOG).length
    await bobSends('ping-2', '@ann once more, while you are busy')
    await waitFor('the line shown', async () => (await timeline()).includes('once more, while you are busy'))
    await new Promise((r) => setTimeout(r, 2000))
    assert.equal(notifications(NOTIFY_LOG).slice(quiet).length, 0, 'do-not-disturb: nothing shown')
    await (await $('aria/Do not disturb')).click()
    await (await (await $('.room-head')).$('button=Unmute room')).click()
    await shot(b, 'conv-01-mentions-markdown')
  })

  it('replies, fixes a typo, reacts and deletes: live for bob, the text as typed for the classic peer', async () => {
    // reply
    await tool('have a look', 'Reply to bob')
    await waitFor('the reply bar', async () => (await (await $('.composer-context')).getText()).includes('Replying to bob'))
    await compose('on it, teh fix is ready')
    const reply = await waitFor('bob hears the reply', () => bob.of('banter:message').find((m) => m.text === 'on it, teh fix is ready'))
    assert.equal(reply.replyTo?.id, 'ping-1', `it answers bob's line: ${JSON.stringify(reply.replyTo)}`)
    await waitFor('cy hears the text as typed', () => cy.of('message').find((m) => m.text === 'on it, teh fix is ready'))
    const mine = await rowOf('teh fix is ready')
    await waitFor('the quoted line', async () => (await (await mine.$('.reply-quote')).getAttribute('aria-label'))?.startsWith('In reply to bob:'))

    // edit: ↑ in the empty composer takes the last line of yours
    await b.execute(() => document.querySelector('form.composer textarea').focus())
    await b.keys('ArrowUp')
    await waitFor('editing', async () => (await (await $('.composer-context')).getText()).includes('Editing your message'))
    await compose('on it, the fix is ready')
    await waitFor('"(edited)" and the new text', async () => {
      const t = await timeline()
      return t.includes('on it, the fix is ready') && t.includes('(edited)') && !t.includes('teh fix')
    })
    await waitFor('bob hears the edit', () => bob.of('banter:edited').find((e) => e.text === 'on it, the fix is ready'))
    assert.ok(!cy.heard.some((h) => h.event === 'message' && h.args[0]?.text === 'on it, the fix is ready'), 'classic peers keep the original')

    // react: ann 👍 on bob's line through the picker; bob 🎉 on ann's reply
    await tool('have a look', 'React to bob')
    await (await $('aria/React with 👍')).click()
    const bobsRow = await rowOf('have a look')
    await waitFor('👍 1, yours', async () => (await (await bobsRow.$('.reaction.mine')).getAttribute('aria-label')) === '👍 1, yours')
    await waitFor('bob hears it', () => bob.of('banter:reactions').find((r) => r.id === 'ping-1' && r.reactions.some((x) => x.emoji === '👍' && x.users.includes('ann'))))
    const [rerr] = await bob.ask('banter:react', { room: ROOM, id: reply.id, emoji: '🎉', on: true })
    assert.equal(rerr, null)
    await waitFor('🎉 on ann’s line, with who', async () => (await b.execute(() => [...document.querySelectorAll('[role="log"] .reaction')].find((x) => x.textContent.includes('🎉'))?.title)) === 'bob reacted with 🎉')
    // a click on the pressed 👍 takes it back
    await (await bobsRow.$('.reaction.mine')).click()
    await waitFor('👍 taken back', async () => !(await b.execute(() => [...document.querySelectorAll('[role="log"] .reaction')].some((x) => x.textContent.includes('👍')))))

    // the quoted line shows the original
    await (await (await rowOf('the fix is ready')).$('.reply-quote')).click()
    await waitFor('the original flashes', () => b.execute(() => !!document.querySelector('[role="log"] .msg.flash')))

    // delete your own: a tombstone for everyone
    await compose('oops, wrong room')
    await waitFor('sent', async () => (await ui.ownStatus(b, 'oops, wrong room'))[0]?.startsWith('delivered'))
    await tool('oops, wrong room', 'Delete your message')
    await (await $('button=Delete for everyone?')).click()
    await waitFor('the tombstone', async () => {
      const t = await timeline()
      return t.includes('message deleted') && !t.includes('oops, wrong room')
    })
    await waitFor('bob hears the removal', () => bob.of('banter:removed').length > 0)
    await shot(b, 'conv-02-reply-edit-react')
  })

  it('a code block: monospace with Copy in the window, the text as typed for the classic peer', async () => {
    const code = '```js\nconst x = 1 <b>not bold</b>\n```'
    await compose(code)
    await waitFor('the code block', () => b.execute(() => document.querySelector('[role="log"] .code-block pre code')?.textContent === 'const x = 1 <b>not bold</b>\n'))
    assert.equal(await b.execute(() => document.querySelector('[role="log"] .code-block .code-lang')?.textContent), 'js')
    assert.equal(await b.execute(() => document.querySelectorAll('[role="log"] .code-block b').length), 0)
    await waitFor('cy gets the text as typed', () => cy.of('message').find((m) => m.text === code))
    await (await $('[role="log"] .code-copy')).click()
    await waitFor('Copied', async () => /Copied|Could not copy/.test(await (await $('[role="log"] .code-copy')).getText()))
    await shot(b, 'conv-03-code-block')
  })

  it('Ctrl+F finds a message with its words marked and opens it; filters and the index’s own syntax', async () => {
    await b.execute(() => document.querySelector('form.composer textarea').focus())
    await b.keys(['Control', 'f'])
    const box = await $('.search input[type="search"]')
    await box.waitForDisplayed({ timeout: 5000 })
    await box.setValue('look')
    await b.keys('Enter')
    await waitFor('a result', () => b.execute(() => document.querySelector('.search-hit mark')?.textContent?.toLowerCase() === 'look'))
    assert.match(await (await $('.search-status')).getText(), /^1 result/)
    await shot(b, 'conv-04-search')
    // the line's mark lasts 2 s: an observer records it, however slow the polling
    await b.execute(() => {
      window.__flashed = []
      new MutationObserver((changes) => {
        for (const c of changes) {
          const n = c.type === 'attributes' ? c.target : null
          if (n?.classList?.contains('msg') && n.classList.contains('flash')) window.__flashed.push(n.textContent)
          for (const a of c.addedNodes ?? []) if (a.classList?.contains('msg') && a.classList.contains('flash')) window.__flashed.push(a.textContent)
        }
      }).observe(document.querySelector('[role="log"]'), { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] })
    })
    await (await $('.search input[type="search"]')).click()
    await b.keys('Enter')
    await waitFor('the dialog closed and the line shown', () => b.execute(() => !document.querySelector('.search') && window.__flashed.some((t) => /look/i.test(t)))).catch(async (e) => {
      const state = await b.execute(() => ({ dialog: !!document.querySelector('.search'), flashed: window.__flashed, active: document.activeElement?.outerHTML.slice(0, 120), toast: document.querySelector('.toast')?.textContent }))
      throw new Error(`${e.message}: ${JSON.stringify(state)}`)
    })

    const search = async (q) => {
      await b.keys(['Control', 'f'])
      const field = await $('.search input[type="search"]')
      await field.waitForDisplayed({ timeout: 5000 })
      await field.setValue(q)
      await b.keys('Enter')
      const status = await waitFor(`the answer to ${q}`, async () => {
        const t = await (await $('.search-status')).getText()
        return t && t !== 'Searching…' && !t.startsWith('Words,') ? t : null
      })
      await b.keys('Escape')
      await waitFor('closed', () => b.execute(() => !document.querySelector('.search')))
      return status
    }
    const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10)
    assert.match(await search(`look after:${day(-2)}`), /^1 result/)
    assert.match(await search(`look before:${day(-1)}`), /^Nothing found/)
    assert.match(await search('from:bob look'), /^1 result/)
    assert.match(await search('from:cy look'), /^Nothing found/)
    // the index's own syntax is searched as text: an answer, never a crash
    assert.match(await search('NEAR( "x* OR -'), /^(Nothing found|\d+ results?)/)
    assert.match(await search('before:someday x'), /YYYY-MM-DD/)
  })

  it('lines that came while away get a New messages divider; the top says it is the start of #team', async () => {
    unfocusAll()
    await waitFor('the window lost the focus', async () => !(await b.execute(() => document.hasFocus())))
    await bobSends('away-1', 'first while you were away')
    await bobSends('away-2', 'second while you were away')
    await waitFor('both shown', async () => (await timeline()).includes('second while you were away'))
    raiseWindowsOf(appPid())
    await waitFor('the window has the focus again', () => b.execute(() => document.hasFocus()))
    const order = await waitFor('the divider above the first of them', () =>
      b.execute(() => {
        const nodes = [...document.querySelectorAll('[role="log"] .new-divider, [role="log"] .msg')]
        const at = nodes.findIndex((n) => n.classList.contains('new-divider'))
        return at >= 0 ? nodes[at + 1]?.textContent : null
      }),
    )
    assert.match(order, /first while you were away/)
    await b.execute(() => (document.querySelector('[role="log"]').scrollTop = 0))
    await waitFor('the start of the room', async () => (await b.execute(() => document.querySelector('[role="log"] .room-top.start')?.textContent ?? '')).includes('This is the start of #team.'))
    await shot(b, 'conv-05-divider-start')
  })

  it('banter-cli pings ann, her reply reaches it; last week’s decision is found by search', async () => {
    const dan = spawn(CLI_BIN, ['chat', '--server', server.url, '--name', 'dan', '--room', ROOM, '--json', '--data-dir', tmp('conv-cli')], {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '', RUST_LOG: 'warn' },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    const lines = []
    createInterface({ input: dan.stdout }).on('line', (l) => {
      try {
        lines.push(JSON.parse(l))
      } catch {}
    })
    try {
      await waitFor('dan joined', () => lines.some((l) => l.type === 'joined'), { timeout: 20000 })
      dan.stdin.write('@ann the build is green\n')
      const row = await rowOf('the build is green')
      assert.ok((await row.getAttribute('class')).includes('mentions-me'), 'a mention from the CLI pings ann')
      await tool('the build is green', 'Reply to dan')
      await compose('great, thanks dan')
      await waitFor('dan gets the reply', () => lines.find((l) => l.type === 'message' && l.text === 'great, thanks dan'))
    } finally {
      dan.stdin.end()
      await new Promise((r) => (dan.exitCode !== null ? r() : dan.once('exit', r)))
    }
    assert.equal(dan.exitCode, 0)

    await b.execute(() => document.querySelector('form.composer textarea').focus())
    await b.keys(['Control', 'f'])
    const field = await $('.search input[type="search"]')
    await field.waitForDisplayed({ timeout: 5000 })
    await field.setValue(`fridays before:${new Date(Date.now() - 86400000 * 3).toISOString().slice(0, 10)}`)
    await b.keys('Enter')
    const when = await waitFor('last week’s decision', () => b.execute(() => document.querySelector('.search-hit .search-when')?.textContent))
    assert.doesNotMatch(when, /Today|Yesterday/, `dated a week ago: ${when}`)
    await shot(b, 'conv-06-last-week')
    await (await $('.search input[type="search"]')).click()
    await b.keys('Enter')
    await waitFor('the decision shown in #team', () => b.execute(() => !document.querySelector('.search') && !!document.querySelector('[role="log"] .msg.flash')?.textContent.includes('we ship on fridays')))
  })
})
