// Files in the window: the file line (an inline image's thumbnail through a blob: URL that is
// revoked once no row shows it; SVG, HTML and the rest as a name, a size and Save, never
// rendered), refusals before sending, and the upload strip's state.
import { describe, it, expect, vi, beforeEach } from 'vitest'
import { fileLine, fitBox, fileBadge, refusal, sizeLabel, uploadStrip, uploadText, Thumbs, Uploads, fileControls } from '../src/views/files'
import { renderRow } from '../src/views/message'
import type { FileView, UploadLimit } from '../src/generated/ipc'
import { msg } from './fixtures'

const file = (p: Partial<FileView> = {}): FileView => ({
  id: '9f'.repeat(16),
  name: 'shot.png',
  size: 48213,
  sizeLabel: '47.1 KB',
  mime: 'image/png',
  width: 1280,
  height: 720,
  image: true,
  link: '/files/x?exp=1&sig=2',
  ...p,
})
const limit = (max: number | null): UploadLimit => ({ maxUploadBytes: max, maxLabel: max === null ? null : sizeLabel(max), reason: max === null ? 'This server does not take files.' : null })
const tick = () => new Promise((r) => setTimeout(r, 0))

beforeEach(() => {
  document.body.innerHTML = ''
  let n = 0
  URL.createObjectURL = vi.fn(() => `blob:test/${++n}`)
  URL.revokeObjectURL = vi.fn()
})

describe('the file line', () => {
  it('shows an inline image through a blob: URL, scaled into its box, with Save', async () => {
    const load = vi.fn(async () => new Uint8Array([0x89, 0x50]).buffer)
    const thumbs = new Thumbs(load, 0)
    const el = fileLine(file(), { server: 'http://s', room: 'lobby', thumbs })
    document.body.append(el)
    await tick()
    const img = el.querySelector('img')!
    expect(img.getAttribute('src')).toBe('blob:test/1')
    expect([img.getAttribute('width'), img.getAttribute('height')]).toEqual(['320', '180'])
    expect(img.alt).toBe('shot.png')
    expect(el.querySelector('.file-name')?.textContent).toBe('shot.png')
    expect(el.querySelector('.file-size')?.textContent).toBe('47.1 KB · 1280×720')
    expect(el.querySelector('button.file-save')?.textContent).toBe('Save')
    expect(load).toHaveBeenCalledWith('http://s', 'lobby', file().id)
    expect(el.querySelector('a')).toBeNull()
  })

  it('never renders SVG, HTML or other files: name, size and Save only', () => {
    for (const f of [
      file({ name: 'x.svg', mime: 'image/svg+xml', image: false, width: null, height: null }),
      file({ name: '<b>page</b>.html', mime: 'text/html', image: false, width: null, height: null, size: 12 }),
      file({ name: 'notes', mime: 'application/octet-stream', image: false, width: null, height: null }),
    ]) {
      const load = vi.fn(async () => new ArrayBuffer(1))
      const el = fileLine(f, { server: 'http://s', room: 'lobby', thumbs: new Thumbs(load, 0) })
      document.body.append(el)
      expect(el.querySelectorAll('img, iframe, object, embed, svg, script').length).toBe(0)
      expect(el.querySelector('.file-name')?.textContent).toBe(f.name)
      expect(el.querySelector('b')).toBeNull()
      expect(load).not.toHaveBeenCalled()
    }
    expect(fileBadge('x.svg')).toBe('SVG')
    expect(fileBadge('notes')).toBe('File')
  })

  it('Save says where the file went, or why not', async () => {
    const save = vi.fn(async () => ({ path: '/home/ann/Downloads/shot (1).png', name: 'shot (1).png' }))
    const el = fileLine(file({ image: false }), { server: 'http://s', room: 'lobby', save })
    el.querySelector<HTMLButtonElement>('button.file-save')!.click()
    await tick()
    expect(el.querySelector('.file-saved')?.textContent).toBe('Saved to Downloads as shot (1).png')
    const failing = fileLine(file({ image: false }), { server: 'http://s', room: 'lobby', save: async () => Promise.reject({ code: 'refused', message: 'No such file.' }) })
    failing.querySelector<HTMLButtonElement>('button.file-save')!.click()
    await tick()
    expect(failing.querySelector('.file-saved.failed')?.textContent).toBe('No such file.')
  })

  it('revokes a thumbnail URL once no row in the document shows it', async () => {
    const thumbs = new Thumbs(async () => new ArrayBuffer(4), 0)
    const a = fileLine(file(), { server: 'http://s', room: 'lobby', thumbs })
    const b = fileLine(file(), { server: 'http://s', room: 'lobby', thumbs })
    document.body.append(a, b)
    await tick()
    expect(URL.createObjectURL).toHaveBeenCalledTimes(1) // fetched once for both rows
    a.remove()
    expect(thumbs.sweep()).toBe(0)
    b.remove() // scrolled out, or the room view rebuilt
    expect(thumbs.sweep()).toBe(1)
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:test/1')
    expect(thumbs.size()).toBe(0)
    // a row gone before its bytes came: the URL made then is revoked at once
    let done!: (b: ArrayBuffer) => void
    const slow = new Thumbs(() => new Promise<ArrayBuffer>((r) => (done = r)), 0)
    fileLine(file(), { server: 'http://s', room: 'lobby', thumbs: slow })
    slow.sweep()
    done(new ArrayBuffer(1))
    await tick()
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:test/2')
  })

  it('a timeline row with a file shows the file line instead of the link text', () => {
    const m = msg({ text: 'shot.png (47.1 KB) http://s/files/x', file: file({ image: false }) })
    const row = renderRow({ kind: 'msg', head: true, msg: m, key: m.id } as never, { openLink: vi.fn(), retry: vi.fn() })
    expect(row.querySelector('.file-line .file-name')?.textContent).toBe('shot.png')
    expect(row.textContent).not.toContain('http://s/files/x')
    // your own file message: Delete, but no Edit (the server edits text messages only)
    const own = msg({ own: true, text: 'a.png (1 KB) http://s/files/y', file: file({ image: false, name: 'a.png' }) })
    const mine = renderRow({ kind: 'msg', head: true, msg: own, key: own.id } as never, { openLink: vi.fn(), retry: vi.fn(), edit: vi.fn(), deleteOwn: vi.fn() })
    const tools = [...mine.querySelectorAll('.msg-tool')].map((b) => b.textContent)
    expect(tools).toContain('Delete')
    expect(tools).not.toContain('Edit')
  })

  it('keeps an image inside its box', () => {
    expect(fitBox(100, 50)).toEqual({ w: 100, h: 50 })
    expect(fitBox(4000, 4000)).toEqual({ w: 240, h: 240 })
    expect(fitBox(0, 0)).toEqual({ w: 320, h: 240 })
  })
})

describe('uploads', () => {
  it('refuses before sending: too large, empty, a classic server, no files there', () => {
    const mb = 1024 * 1024
    expect(refusal('big.bin', 2 * mb, limit(mb), true)).toBe('big.bin is too large to send (2.0 MB): this server takes files of at most 1.0 MB.')
    expect(refusal('a.bin', mb + 1, limit(mb), true)).toBe('a.bin is too large to send (1048577 bytes): this server takes files of at most 1048576 bytes.')
    expect(refusal('a.png', 10, limit(mb), true)).toBeNull()
    expect(refusal('e.txt', 0, limit(mb), true)).toContain('empty')
    expect(refusal('a.png', 10, limit(mb), false)).toContain('classic server')
    expect(refusal('a.png', 10, limit(null), true)).toBe('This server does not take files.')
    expect(sizeLabel(48213)).toBe('47.1 KB')
  })

  it('follows the events from sending to done, failed or cancelled', () => {
    const cancelNow = vi.fn()
    const list = new Uploads(cancelNow)
    const e = list.start('http://s', 'lobby', 'big.bin', 1000, 'u1')
    const strip = uploadStrip('http://s', 'lobby', list)
    document.body.append(strip)
    list.apply({ ...e, sent: 500 })
    expect(strip.querySelector('.upload-text')?.textContent).toBe('Sending big.bin — 50% of 1000 B')
    expect((strip.querySelector('progress') as HTMLProgressElement).value).toBe(500)
    strip.querySelector<HTMLButtonElement>('.upload-cancel')!.click()
    expect(cancelNow).toHaveBeenCalledWith('u1')
    expect(uploadText(list.entries.get('u1')!)).toBe('Cancelling big.bin…')
    list.apply({ ...e, state: 'cancelled', sent: 0 })
    expect(strip.querySelector('.upload-text')?.textContent).toBe('Cancelled: big.bin was not sent.')
    // done: the strip empties (the message comes as a line)
    const d = list.start('http://s', 'lobby', 'a.png', 10, 'u2')
    list.apply({ ...d, state: 'done', sent: 10 })
    expect(list.entries.has('u2')).toBe(false)
    // another room's uploads are not shown here
    list.start('http://s', 'other', 'x.png', 10, 'u3')
    expect(strip.querySelectorAll('.upload').length).toBe(1)
    // a Cancel before Rust had it is said again at its first event
    const early = list.start('http://s', 'lobby', 'c.bin', 10, 'u4')
    list.cancel('u4')
    list.apply({ ...early, sent: 0 })
    expect(cancelNow).toHaveBeenCalledTimes(3)
    // a failure keeps its words until dismissed
    const f = list.start('http://s', 'lobby', 'q.bin', 10, 'u5')
    list.fail(f.uploadId, 'Your files would go over your quota on this server (1024 MB in all).')
    const failed = strip.querySelector('[data-upload-id="u5"]')!
    expect(failed.textContent).toContain('quota')
    failed.querySelector<HTMLButtonElement>('.upload-dismiss')!.click()
    expect(list.entries.has('u5')).toBe(false)
  })

  it('the composer part: hidden on classic servers, an oversize file refused in words with nothing sent', async () => {
    const upload = vi.fn(async () => {})
    const list = new Uploads(vi.fn())
    const classic = fileControls({ room: () => ({ server: 'http://c', room: 'lobby', banter: false }), uploadLimit: vi.fn(), upload, list })
    classic.refresh()
    expect(classic.button.querySelector('button')!.hidden).toBe(true)
    const c = fileControls({ room: () => ({ server: 'http://s', room: 'lobby', banter: true }), uploadLimit: async () => limit(1024 * 1024), upload, list })
    c.refresh()
    await tick()
    const btn = c.button.querySelector('button')!
    expect(btn.hidden).toBe(false)
    expect(btn.title).toBe('Attach a file (at most 1.0 MB)')
    await c.send([new File([new Uint8Array(2 * 1024 * 1024)], 'big.bin')])
    expect(upload).not.toHaveBeenCalled()
    expect([...list.entries.values()][0].error).toContain('too large to send (2.0 MB)')
    await c.send([new File([new Uint8Array([1, 2, 3])], 'a.png')])
    expect([...list.entries.values()].map((e) => e.error)).toEqual([expect.stringContaining('too large'), null])
    expect(upload).toHaveBeenCalledTimes(1)
    const [server, room, name, , bytes] = upload.mock.calls[0] as unknown as [string, string, string, string, Uint8Array]
    expect([server, room, name, [...bytes]]).toEqual(['http://s', 'lobby', 'a.png', [1, 2, 3]])
  })
})
