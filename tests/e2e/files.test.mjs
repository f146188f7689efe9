// Files and images through the real window (issue 10 item 7): ann (an account in the app) on
// a real banter-server (--max-upload-mb 24) pastes a PNG and attaches an HTML page and an SVG
// with script; bob (a Banter socket.io-client account) hears each with its file part, cy (a
// classic peer) a text line with the link. The PNG shows as a thumbnail through a blob: URL,
// the HTML and the SVG as attachments that are never rendered; Save writes into the app's
// Downloads folder (XDG_DOWNLOAD_DIR) byte for byte, under a new name the second time; a
// file over the limit is refused in words with nothing sent; Cancel during a 20 MB upload
// leaves no message; a file dragged onto the window from another (a real XDND drop, made by
// tests/e2e/support/drag-file.py) goes to the room shown, a folder is refused in words. Run
// through scripts/e2e.sh.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { tmp, startServer, launchApp, shot, waitFor, ROOT } from './support/harness.mjs'
import * as ui from './support/ui.mjs'
import { socket } from './support/peers.mjs'

const V = { v: 1 }
const ROOM = 'pics'
const LIMIT_MB = 24

let server
let b
let close
let bob
let cy
const downloads = join(tmp('files-home'), 'Downloads')

/** A small RGB PNG made by hand: a `w`×`h` gradient. */
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const x of buf) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const c = Buffer.alloc(4)
    c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3
      raw[o] = Math.round((x / w) * 255)
      raw[o + 1] = Math.round((y / h) * 255)
      raw[o + 2] = 200
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

const $ = (sel) => b.$(sel)

/** Pastes (or, `how: 'attach'`, chooses through the Attach button's input) a file made in the
 * page from `bytes` (base64), or of `size` zero bytes. */
function giveFile({ name, type, b64 = null, size = 0, how = 'paste' }) {
  return b.execute(
    (name, type, b64, size, how) => {
      const bytes = b64 ? Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)) : new Uint8Array(size)
      const file = new File([bytes], name, { type })
      const dt = new DataTransfer()
      dt.items.add(file)
      if (how === 'attach') {
        const input = document.querySelector('form.composer input[type="file"]')
        input.files = dt.files
        input.dispatchEvent(new Event('change', { bubbles: true }))
        return 'attached'
      }
      const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true })
      if (!ev.clipboardData) Object.defineProperty(ev, 'clipboardData', { value: dt })
      document.querySelector('form.composer textarea').dispatchEvent(ev)
      return ev.defaultPrevented ? 'pasted' : 'not taken'
    },
    name,
    type,
    b64,
    size,
    how,
  )
}

/** The file line of `name` in the timeline: what it shows. */
const lineOf = (name) =>
  b.execute((name) => {
    const line = [...document.querySelectorAll('[role="log"] .file-line')].find((l) => l.querySelector('.file-name')?.textContent === name)
    if (!line) return null
    const img = line.querySelector('img')
    return {
      img: img ? { src: img.src, complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, shownWidth: img.getBoundingClientRect().width, shownHeight: img.getBoundingClientRect().height } : null,
      rendered: line.querySelectorAll('img, iframe, object, embed, svg, script').length,
      size: line.querySelector('.file-size')?.textContent,
      save: !!line.querySelector('button.file-save'),
      saved: line.querySelector('.file-saved')?.textContent ?? '',
      links: line.querySelectorAll('a').length,
    }
  }, name)
const stripText = () => b.execute(() => document.querySelector('form.composer .uploads')?.textContent ?? '')
const bobFile = (name) => bob.of('banter:message').find((m) => m.file?.name === name)

describe('Files and images in the window: paste, attach, thumbnails, Save, limits, Cancel', { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ db: join(tmp('files-db'), 'files.db'), args: ['--files-dir', tmp('files-store'), '--max-upload-mb', String(LIMIT_MB)] })
    ;({ browser: b, close } = await launchApp({
      BANTER_CONFIG_DIR: tmp('files-config'),
      BANTER_DATA_DIR: tmp('files-data'),
      XDG_DOWNLOAD_DIR: downloads,
      BANTER_LOG: 'info,banter_desktop=debug',
    }))
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

  it('ann signs up; a pasted PNG goes up with progress and shows as a thumbnail; bob hears the part, cy the link', async () => {
    await ui.signUpAndJoin(b, { server: server.url, name: 'ann', password: 'ann: correct horse battery', room: ROOM })
    await waitFor('the Attach button', async () => (await b.execute(() => { const a = document.querySelector('form.composer button.attach'); return a && !a.hidden ? a.title : null })) === `Attach a file (at most ${LIMIT_MB}.0 MB)`)

    const shotPng = png(640, 360)
    // the strip shows the upload while it goes (kept as text as it changes)
    await b.execute(() => {
      window.__strip = []
      new MutationObserver(() => window.__strip.push(document.querySelector('form.composer .uploads')?.textContent ?? '')).observe(document.querySelector('form.composer'), { subtree: true, childList: true, characterData: true })
    })
    assert.equal(await giveFile({ name: 'shot.png', type: 'image/png', b64: shotPng.toString('base64') }), 'pasted')
    const heard = await waitFor('bob hears the file', () => bobFile('shot.png'), { timeout: 20000 })
    assert.equal(heard.file.mime, 'image/png')
    assert.equal(heard.file.size, shotPng.length)
    assert.deepEqual([heard.file.width, heard.file.height, heard.file.thumb], [640, 360, true])
    const classic = await waitFor('cy hears a text line with the link', () => cy.of('message').find((m) => /shot\.png .*\/files\//.test(m.text)))
    assert.match(classic.text, /^shot\.png \(\d+(\.\d)? KB\) http:\/\/127\.0\.0\.1:\d+\/files\/[0-9a-f]{32}\//)
    const strip = await b.execute(() => window.__strip)
    assert.ok(strip.some((t) => /Sending shot\.png — \d+% of/.test(t)), `the strip said it was sending: ${JSON.stringify(strip.slice(0, 5))}`)

    const line = await waitFor('the thumbnail, loaded from a blob: URL', async () => {
      const l = await lineOf('shot.png')
      return l?.img?.complete && l.img.naturalWidth > 0 ? l : null
    })
    assert.ok(line.img.src.startsWith('blob:'), line.img.src)
    assert.deepEqual([line.img.naturalWidth, line.img.naturalHeight], [400, 225], 'the server’s thumbnail (400 px a side at most)')
    assert.ok(line.img.shownWidth <= 320 && line.img.shownHeight <= 240, `kept in its box: ${line.img.shownWidth}×${line.img.shownHeight}`)
    assert.ok(line.save && line.links === 0, 'Save, and no link to open')
    assert.match(line.size, /KB · 640×360/)
    await waitFor('the strip empties', async () => (await stripText()) === '')
  })

  it('an HTML page and an SVG with script are attachments: never rendered, a name and Save', async () => {
    const html = '<html><body><script>window.__pwned = "html"</script><h1>hi</h1></body></html>'
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=\'svg\'" width="10" height="10"><script>window.__pwned="svg2"</script><rect width="10" height="10"/></svg>'
    const how = await giveFile({ name: 'page.html', type: 'text/html', b64: Buffer.from(html).toString('base64'), how: 'attach' })
    assert.equal(how, 'attached')
    await giveFile({ name: 'drawing.svg', type: 'image/svg+xml', b64: Buffer.from(svg).toString('base64') })
    for (const name of ['page.html', 'drawing.svg']) {
      const heard = await waitFor(`bob hears ${name}`, () => bobFile(name), { timeout: 20000 })
      assert.equal(heard.file.thumb ?? false, false, `${name}: no thumbnail`)
      const l = await waitFor(`the line of ${name}`, () => lineOf(name))
      assert.equal(l.rendered, 0, `${name}: nothing of it rendered`)
      assert.ok(l.save)
    }
    assert.equal(await b.execute(() => window.__pwned ?? null), null)
    assert.equal(await b.execute(() => document.querySelectorAll('iframe, object, embed').length), 0)
    await shot(b, 'files-01-thumbnail-and-attachments')
  })

  it('Save writes into Downloads byte for byte, a second Save under a new name, nothing opened', async () => {
    const saveOf = (name) =>
      b.execute((name) => {
        const line = [...document.querySelectorAll('[role="log"] .file-line')].find((l) => l.querySelector('.file-name')?.textContent === name)
        line.querySelector('button.file-save').click()
      }, name)
    await saveOf('shot.png')
    await waitFor('saved', async () => (await lineOf('shot.png')).saved === 'Saved to Downloads as shot.png')
    const want = bobFile('shot.png').file.size
    const got = readFileSync(join(downloads, 'shot.png'))
    assert.equal(got.length, want)
    assert.deepEqual(got, png(640, 360))
    await saveOf('shot.png')
    await waitFor('saved again', async () => (await lineOf('shot.png')).saved === 'Saved to Downloads as shot (1).png')
    assert.deepEqual(readFileSync(join(downloads, 'shot (1).png')), got)
    await saveOf('page.html')
    await waitFor('the page saved', async () => (await lineOf('page.html')).saved === 'Saved to Downloads as page.html')
    assert.match(readFileSync(join(downloads, 'page.html'), 'utf8'), /window.__pwned = "html"/)
    assert.deepEqual(readdirSync(downloads).sort(), ['page.html', 'shot (1).png', 'shot.png'], 'nothing else, no .part left')
  })

  it(`a file over the server's ${LIMIT_MB} MB is refused in words, and nothing is sent`, async () => {
    const before = bob.of('banter:message').length
    await giveFile({ name: 'huge.bin', type: 'application/octet-stream', size: (LIMIT_MB + 1) * 1024 * 1024 })
    await waitFor('the refusal', async () => (await stripText()).includes(`huge.bin is too large to send (${LIMIT_MB + 1}.0 MB): this server takes files of at most ${LIMIT_MB}.0 MB.`))
    await shot(b, 'files-02-oversize-refused')
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(bob.of('banter:message').length, before, 'bob heard nothing')
    await (await $('.uploads button.upload-dismiss')).click()
    await waitFor('dismissed', async () => (await stripText()) === '')
  })

  it('Cancel during a 20 MB upload leaves no message', async () => {
    const before = bob.of('banter:message').length
    // Cancel as soon as the Rust side reports bytes sent (the upload is under way)
    const clicked = b.execute(
      () =>
        new Promise((resolve) => {
          const t0 = Date.now()
          const poll = () => {
            const bar = document.querySelector('form.composer .uploads progress')
            if (bar && bar.value > 0) {
              document.querySelector('form.composer .uploads .upload-cancel').click()
              return resolve({ at: bar.value, of: Number(bar.max) })
            }
            if (Date.now() - t0 > 20000) return resolve(null)
            setTimeout(poll, 5)
          }
          poll()
        }),
    )
    await giveFile({ name: 'big.bin', type: 'application/octet-stream', size: 20 * 1024 * 1024 })
    const at = await clicked
    assert.ok(at && at.at < at.of, `Cancel was pressed mid-upload: ${JSON.stringify(at)}`)
    await waitFor('cancelled', async () => (await stripText()).includes('Cancelled: big.bin was not sent.'), { timeout: 20000 })
    await new Promise((r) => setTimeout(r, 2000))
    assert.equal(bob.of('banter:message').length, before, 'bob heard no message')
    assert.equal(await lineOf('big.bin'), null, 'no line in the timeline')
    console.error(`# cancel pressed at ${at.at} of ${at.of} bytes`)
  })

  it('a file dragged onto the window goes to the room shown; a folder is refused in words', async () => {
    const dir = tmp('files-drop')
    const notes = join(dir, 'drop notes.txt')
    writeFileSync(notes, 'dropped from the file manager\n')
    await b.execute(() => {
      window.__over = false
      new MutationObserver(() => {
        if (document.querySelector('.room-view.drop-over')) window.__over = true
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['class'] })
    })
    const drag = (path) => execFileSync('/usr/bin/python3', [join(ROOT, 'tests/e2e/support/drag-file.py'), path, '560', '360'], { encoding: 'utf8' }).trim()
    assert.equal(drag(notes), 'dropped')
    const heard = await waitFor('bob hears the dropped file', () => bobFile('drop notes.txt'), { timeout: 20000 })
    assert.equal(heard.file.size, 'dropped from the file manager\n'.length)
    await waitFor('its line', () => lineOf('drop notes.txt'))
    assert.equal(await b.execute(() => window.__over), true, 'the room was highlighted while the file was over it')
    assert.equal(await b.execute(() => !!document.querySelector('.room-view.drop-over')), false, 'and not after the drop')
    const folder = join(dir, 'album')
    mkdirSync(folder)
    assert.equal(drag(folder), 'dropped')
    await waitFor('the folder refused', async () => (await stripText()).includes('album is a folder, not a file: drop the files in it.'))
  })
})
