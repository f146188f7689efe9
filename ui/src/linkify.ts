// Splits message text into plain text and http(s) links. Only http and https become links
// (Rust validates again before opening anything); everything stays text.

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; url: string }

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi
const TRAILING = /[.,;:!?)\]}]+$/

export function linkify(text: string): Segment[] {
  const out: Segment[] = []
  let last = 0
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0]
    const trail = url.match(TRAILING)
    if (trail) url = url.slice(0, url.length - trail[0].length)
    const start = m.index ?? 0
    if (!isSafeUrl(url)) continue
    if (start > last) out.push({ kind: 'text', text: text.slice(last, start) })
    out.push({ kind: 'link', text: url, url })
    last = start + url.length
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) })
  return out
}

export function isSafeUrl(raw: string): boolean {
  try {
    const u = new URL(raw)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0
  } catch {
    return false
  }
}
