// Files and images in a room (issue 10 item 7): the attach button beside Send, pasting a
// file or an image into the composer, the upload strip (progress, Cancel, a refusal in
// words), a message's file line (name, size, Save; an image's thumbnail), and the drop
// highlight. Dropped files themselves are taken by the Rust side for the room the window
// shows (it gets the native paths; the page never names a path to read).
//
// Thumbnails come from the Rust side as bytes (`file_thumbnail`), shown through blob: URLs:
// the page never fetches from a server. A URL lives while an <img> in the document uses it;
// `Thumbs.sweep` revokes the others (a row scrolled out of the virtual list, a room view
// rebuilt). Only PNG, JPEG, GIF and WebP with a server-made thumbnail are shown (FileView's
// `image`); SVG, HTML and everything else are a name, a size and Save.
import { api, errorMessage, watchEvents } from '../api'
import { h, clear } from '../dom'
import type { FileView, SavedFile, UploadLimit, UploadView } from '../generated/ipc'

/** Bytes in words, as the Rust side and the server say them ("47.1 KB", powers of 1,024). */
export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = bytes / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(1)} ${units[u]}`
}

/** Why a file cannot go to a room whose limit is `limit`, in words; null when it can. */
export function refusal(name: string, size: number, limit: UploadLimit | null, banter: boolean): string | null {
  if (!banter) return 'This is a classic server: it does not take files.'
  if (!limit) return 'Wait until the room is joined, then send the file again.'
  if (limit.maxUploadBytes === null) return limit.reason ?? 'This server does not take files.'
  if (size === 0) return `${name} is empty: nothing to send.`
  if (size > limit.maxUploadBytes) {
    let [have, max] = [sizeLabel(size), sizeLabel(limit.maxUploadBytes)]
    // just over: the words would say the same size twice
    if (have === max) [have, max] = [`${size} bytes`, `${limit.maxUploadBytes} bytes`]
    return `${name} is too large to send (${have}): this server takes files of at most ${max}.`
  }
  return null
}

// ---------- uploads ----------------------------------------------------------------------

export interface UploadEntry extends UploadView {
  /** Cancel was pressed (before Rust may even have it). */
  cancelRequested: boolean
}

/** The uploads under way or just ended, by id: the page's own (attach, paste) and the Rust
 * side's (drops), all brought up to date by `upload` events. */
export class Uploads {
  readonly entries = new Map<string, UploadEntry>()
  private listeners = new Set<() => void>()
  /** How long a cancelled upload still says so. */
  static CANCELLED_MS = 4000

  constructor(private cancelNow: (id: string) => void = (id) => void api.cancelUpload(id).catch(() => {})) {}

  onChange(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn()
  }

  /** A new upload from the page, shown at once (its bytes are still being read). */
  start(server: string, room: string, name: string, total: number, uploadId: string = crypto.randomUUID()): UploadEntry {
    const e: UploadEntry = { uploadId, server, room, name, sent: 0, total, state: 'sending', error: null, cancelRequested: false }
    this.entries.set(uploadId, e)
    this.changed()
    return e
  }

  /** A refusal before anything was sent (too large, no uploads there): said in the strip. */
  refuse(server: string, room: string, name: string, error: string): UploadEntry {
    const e = this.start(server, room, name, 0)
    e.state = 'failed'
    e.error = error
    this.changed()
    return e
  }

  apply(v: UploadView): void {
    const e = this.entries.get(v.uploadId)
    if (e?.cancelRequested && v.state === 'sending') {
      // Cancel came before Rust had the upload: say it again now that it has
      this.cancelNow(v.uploadId)
    }
    if (v.state === 'done') {
      // its message arrives as any other line
      this.entries.delete(v.uploadId)
    } else {
      const next: UploadEntry = { ...v, cancelRequested: e?.cancelRequested ?? false }
      this.entries.set(v.uploadId, next)
      if (v.state === 'cancelled') setTimeout(() => this.dismiss(v.uploadId, 'cancelled'), Uploads.CANCELLED_MS)
    }
    this.changed()
  }

  fail(uploadId: string, error: string): void {
    const e = this.entries.get(uploadId)
    if (!e || e.state !== 'sending') return
    e.state = e.cancelRequested ? 'cancelled' : 'failed'
    e.error = e.cancelRequested ? null : error
    if (e.state === 'cancelled') setTimeout(() => this.dismiss(uploadId, 'cancelled'), Uploads.CANCELLED_MS)
    this.changed()
  }

  cancel(uploadId: string): void {
    const e = this.entries.get(uploadId)
    if (!e || e.state !== 'sending') return
    e.cancelRequested = true
    this.cancelNow(uploadId)
    this.changed()
  }

  /** Takes an ended upload off the strip (only in `state`, when given). */
  dismiss(uploadId: string, state?: UploadEntry['state']): void {
    const e = this.entries.get(uploadId)
    if (!e || e.state === 'sending' || (state && e.state !== state)) return
    this.entries.delete(uploadId)
    this.changed()
  }

  of(server: string, room: string): UploadEntry[] {
    return [...this.entries.values()].filter((e) => e.server === server && e.room === room)
  }
}

export const uploads = new Uploads()
watchEvents((batch) => {
  for (const ev of batch) if (ev.type === 'upload') uploads.apply(ev.upload)
})

/** What the strip says for an upload. */
export function uploadText(e: UploadEntry): string {
  switch (e.state) {
    case 'sending': {
      if (e.cancelRequested) return `Cancelling ${e.name}…`
      const pct = e.total ? Math.floor((e.sent / e.total) * 100) : 0
      return `Sending ${e.name} — ${pct}% of ${sizeLabel(e.total)}`
    }
    case 'cancelled':
      return `Cancelled: ${e.name} was not sent.`
    case 'failed':
      return e.error ?? `${e.name} could not be sent.`
    case 'done':
      return `Sent ${e.name}.`
  }
}

function uploadRow(e: UploadEntry, list: Uploads): HTMLElement {
  const row = h('div', { class: `upload st-${e.state}`, attrs: { 'data-upload-id': e.uploadId } })
  row.append(h('span', { class: 'upload-text', text: uploadText(e) }))
  if (e.state === 'sending') {
    const bar = h('progress', { class: 'upload-bar', attrs: { max: e.total || 1, 'aria-label': `Sending ${e.name}` } })
    bar.value = e.sent
    row.append(
      bar,
      h('button', {
        class: 'ghost small upload-cancel',
        text: 'Cancel',
        attrs: { type: 'button', 'aria-label': `Cancel sending ${e.name}`, disabled: e.cancelRequested },
        on: { click: () => list.cancel(e.uploadId) },
      }),
    )
  } else {
    row.append(
      h('button', {
        class: 'link-button upload-dismiss',
        text: 'Dismiss',
        attrs: { type: 'button', 'aria-label': 'Dismiss' },
        on: { click: () => list.dismiss(e.uploadId) },
      }),
    )
  }
  return row
}

/** The uploads of one room, kept up to date while it is in the document. */
export function uploadStrip(server: string, room: string, list: Uploads = uploads): HTMLElement {
  const el = h('div', { class: 'uploads', attrs: { role: 'status', 'aria-label': 'Uploads' } })
  const draw = () => {
    clear(el)
    const es = list.of(server, room)
    el.hidden = es.length === 0
    for (const e of es) el.append(uploadRow(e, list))
  }
  let seen = false
  const off = list.onChange(() => {
    // a strip whose room view was replaced stops listening
    if (el.isConnected) seen = true
    else if (seen) return off()
    draw()
  })
  draw()
  return el
}

// ---------- thumbnails -------------------------------------------------------------------

interface Thumb {
  url: string | null
  dead: boolean
  imgs: Set<HTMLImageElement>
}

/** The blob: URLs of the thumbnails shown; each revoked once no <img> in the document uses it. */
export class Thumbs {
  private live = new Map<string, Thumb>()
  private timer: ReturnType<typeof setInterval> | null = null

  constructor(
    private load: (server: string, room: string, id: string) => Promise<ArrayBuffer> = api.fileThumbnail,
    private sweepEveryMs = 3000,
  ) {}

  /** Shows file `id`'s thumbnail in `img` (fetched once while it is in use). */
  attach(img: HTMLImageElement, server: string, room: string, id: string): void {
    const key = `${server}\n${room}\n${id}`
    let t = this.live.get(key)
    if (!t) {
      const fresh: Thumb = { url: null, dead: false, imgs: new Set() }
      this.live.set(key, fresh)
      t = fresh
      this.load(server, room, id).then(
        (bytes) => {
          const url = URL.createObjectURL(new Blob([bytes]))
          if (fresh.dead) return URL.revokeObjectURL(url)
          fresh.url = url
          for (const i of fresh.imgs) i.src = url
        },
        (e) => {
          for (const i of fresh.imgs) {
            i.replaceWith(h('div', { class: 'file-thumb-failed', text: `No preview: ${errorMessage(e)}` }))
          }
          fresh.imgs.clear()
        },
      )
    }
    t.imgs.add(img)
    if (t.url) img.src = t.url
    if (!this.timer && this.sweepEveryMs > 0) this.timer = setInterval(() => this.sweep(), this.sweepEveryMs)
  }

  /** Revokes the URLs no <img> in the document shows any more; how many. */
  sweep(): number {
    let n = 0
    for (const [key, t] of this.live) {
      for (const i of t.imgs) if (!i.isConnected) t.imgs.delete(i)
      if (t.imgs.size) continue
      t.dead = true
      if (t.url) URL.revokeObjectURL(t.url)
      this.live.delete(key)
      n++
    }
    if (!this.live.size && this.timer) {
      clearInterval(this.timer)
      this.timer = null
    }
    return n
  }

  /** URLs alive now (tests, and to see nothing leaks). */
  size(): number {
    return this.live.size
  }
}

export const thumbs = new Thumbs()

// ---------- the file line ----------------------------------------------------------------

/** Largest box a thumbnail is shown in (CSS caps it too). */
export const THUMB_BOX = { w: 320, h: 240 }

/** An image's shown size: its own, scaled down (never up) into the box. */
export function fitBox(w: number, hgt: number, box = THUMB_BOX): { w: number; h: number } {
  if (!(w > 0 && hgt > 0)) return { w: box.w, h: box.h }
  const k = Math.min(1, box.w / w, box.h / hgt)
  return { w: Math.max(1, Math.round(w * k)), h: Math.max(1, Math.round(hgt * k)) }
}

/** "PNG", "PDF", "HTML"… from the name; "File" without an extension. */
export function fileBadge(name: string): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name)
  return m ? m[1].toUpperCase() : 'File'
}

export interface FileLineDeps {
  server: string
  room: string
  thumbs?: Thumbs
  save?(id: string): Promise<SavedFile>
}

/** A message's file: an image's thumbnail (an inline image only), then its name, size and
 * Save. Nothing of the file is ever rendered but that thumbnail; a click on it opens nothing. */
export function fileLine(f: FileView, d: FileLineDeps): HTMLElement {
  const el = h('div', { class: `file-line${f.image ? ' image' : ''}`, attrs: { 'data-file-id': f.id } })
  if (f.image) {
    const box = fitBox(f.width ?? 0, f.height ?? 0)
    const img = h('img', {
      class: 'file-thumb',
      attrs: { alt: f.name, width: box.w, height: box.h, draggable: 'false', title: `${f.name} (${f.width ?? '?'}×${f.height ?? '?'})` },
    })
    el.append(h('div', { class: 'file-thumb-wrap' }, img))
    ;(d.thumbs ?? thumbs).attach(img, d.server, d.room, f.id)
  }
  const saved = h('span', { class: 'file-saved', attrs: { role: 'status' } })
  const save = h('button', {
    class: 'ghost small file-save',
    text: 'Save',
    attrs: { type: 'button', 'aria-label': `Save ${f.name} to Downloads`, title: 'Save to your Downloads folder' },
  })
  save.addEventListener('click', async () => {
    save.disabled = true
    saved.textContent = 'Saving…'
    saved.classList.remove('failed')
    try {
      const s = await (d.save ?? ((id: string) => api.saveFile(d.server, d.room, id)))(f.id)
      saved.textContent = `Saved to Downloads as ${s.name}`
      saved.title = s.path
    } catch (e) {
      saved.textContent = errorMessage(e)
      saved.classList.add('failed')
    } finally {
      save.disabled = false
    }
  })
  const what = f.image && f.width && f.height ? `${sizeLabel(f.size)} · ${f.width}×${f.height}` : sizeLabel(f.size)
  el.append(
    h(
      'div',
      { class: 'file-card' },
      h('span', { class: 'file-badge', text: fileBadge(f.name), attrs: { 'aria-hidden': 'true' } }),
      h('span', { class: 'file-meta' }, h('span', { class: 'file-name', text: f.name, attrs: { title: f.name } }), h('span', { class: 'file-size', text: what })),
      save,
    ),
    saved,
  )
  return el
}

/** A file's bytes (FileReader where Blob.arrayBuffer is missing). */
function readBytes(f: Blob): Promise<Uint8Array> {
  if (typeof f.arrayBuffer === 'function') return f.arrayBuffer().then((b) => new Uint8Array(b))
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(new Uint8Array(r.result as ArrayBuffer))
    r.onerror = () => reject(r.error)
    r.readAsArrayBuffer(f)
  })
}

// ---------- the composer's part and the drop highlight ------------------------------------

export interface FileRoom {
  server: string
  room: string
  banter: boolean
}

export interface FileControls {
  /** The attach button (hidden where no file can be sent). */
  button: HTMLElement
  /** The room's uploads, above the composer. */
  strip: HTMLElement
  /** A paste into the composer: files and images are sent, text is left to the field. */
  paste(ev: ClipboardEvent): void
  /** Files chosen or pasted: each checked, then sent. */
  send(files: File[]): Promise<void>
  /** Asks (again) whether the room takes files, and shows or hides the button. */
  refresh(): void
  /** A message's file line, for the timeline. */
  line(f: FileView): HTMLElement
  /** Where a drop goes: highlighted while files are dragged over the window. */
  dropTarget(el: HTMLElement): void
}

export interface FileControlsDeps {
  room(): FileRoom
  uploadLimit?(server: string, room: string): Promise<UploadLimit>
  upload?(server: string, room: string, name: string, uploadId: string, bytes: Uint8Array): Promise<void>
  list?: Uploads
}

export function fileControls(d: FileControlsDeps): FileControls {
  const list = d.list ?? uploads
  const askLimit = d.uploadLimit ?? api.uploadLimit
  const upload = d.upload ?? api.uploadFile
  const { server, room } = d.room()
  let limit: UploadLimit | null = null
  let asked = 0
  const input = h('input', { class: 'file-input', attrs: { type: 'file', multiple: true, tabindex: -1, 'aria-hidden': 'true' } })
  input.hidden = true
  const button = h(
    'button',
    { class: 'ghost attach', text: 'Attach', attrs: { type: 'button', 'aria-label': 'Attach a file', title: 'Attach a file' } },
  )
  button.hidden = true
  button.addEventListener('click', () => input.click())
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])]
    input.value = ''
    void send(files)
  })
  const wrap = h('span', { class: 'attach-wrap' }, button, input)

  const show = () => {
    const ok = d.room().banter && limit?.maxUploadBytes != null
    button.hidden = !ok
    if (ok) button.title = `Attach a file (at most ${limit?.maxLabel ?? sizeLabel(limit!.maxUploadBytes!)})`
  }
  const refresh = () => {
    if (!d.room().banter) return show()
    // asked again while unknown or refused (joined since, signed in since), at most every 2 s
    if (limit?.maxUploadBytes != null || Date.now() - asked < 2000) return show()
    asked = Date.now()
    askLimit(server, room).then(
      (l) => {
        limit = l
        show()
      },
      () => show(),
    )
  }

  const send = async (files: File[]) => {
    const r = d.room()
    for (const f of files) {
      const name = f.name || 'pasted-image.png'
      const no = refusal(name, f.size, limit, r.banter)
      if (no) {
        list.refuse(server, room, name, no)
        continue
      }
      const e = list.start(server, room, name, f.size)
      let bytes: Uint8Array
      try {
        bytes = await readBytes(f)
      } catch (err) {
        list.fail(e.uploadId, `Could not read ${name}: ${errorMessage(err)}`)
        continue
      }
      if (e.cancelRequested) {
        list.fail(e.uploadId, 'cancelled')
        continue
      }
      try {
        await upload(server, room, name, e.uploadId, bytes)
      } catch (err) {
        list.fail(e.uploadId, errorMessage(err))
      }
    }
  }

  const paste = (ev: ClipboardEvent) => {
    const files = [...(ev.clipboardData?.files ?? [])]
    if (!files.length) return
    ev.preventDefault()
    void send(files)
  }

  const line = (f: FileView) => fileLine(f, { server, room })
  return { button: wrap, strip: uploadStrip(server, room, list), paste, send, refresh, line, dropTarget }
}

// The window's drag-and-drop (Tauri's, with native paths the Rust side uploads): the room
// view shown is highlighted while files are over the window.
let target: HTMLElement | null = null
let listening = false
function dropTarget(el: HTMLElement): void {
  target = el
  if (listening) return
  listening = true
  const on = (over: boolean) => () => {
    if (target?.isConnected) target.classList.toggle('drop-over', over)
  }
  import('@tauri-apps/api/event')
    .then(({ listen }) =>
      Promise.all([listen('tauri://drag-enter', on(true)), listen('tauri://drag-leave', on(false)), listen('tauri://drag-drop', on(false))]),
    )
    .catch(() => {})
}
