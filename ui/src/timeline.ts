// The timeline's markers around the message rows (pure, tested): the "New messages" divider
// above the first unread line, and the top of a room — its start, once its whole history is
// here, or where the history shown begins when it is cut. Rendered by views/room.ts.
import { h } from './dom'
import type { RoomState, Row } from './store'

export type Marker =
  | { kind: 'divider'; key: string }
  | { kind: 'start'; key: string; title: string; lines: string[] }
  | { kind: 'cut'; key: string; text: string }
export type TimelineRow = Row | Marker

export const isMarker = (r: TimelineRow): r is Marker => r.kind === 'divider' || r.kind === 'start' || r.kind === 'cut'

/** What the top of the room says, or null (older messages can still be loaded). */
export function topOf(r: Pick<RoomState, 'room' | 'banter' | 'more' | 'messages' | 'dmMembers' | 'username' | 'info'>): Marker | null {
  if (r.more) return null
  if (!r.banter) {
    return { kind: 'cut', key: 'top', text: 'This is a classic chat server: it keeps no history, so what was said before you joined is not here.' }
  }
  const first = r.messages.find((m) => m.seq !== null)
  // the whole history is here when the room's first message (seq 1) is, or it has none
  if (first && first.seq !== 1) {
    return { kind: 'cut', key: 'top', text: 'Older messages are not shown here.' }
  }
  if (r.dmMembers) {
    const others = r.dmMembers.filter((m) => m !== r.username).join(', ') || 'yourself'
    return { kind: 'start', key: 'top', title: others, lines: [`This is the beginning of your direct messages with ${others}.`, 'Only its members can read this conversation.'] }
  }
  const lines = [`This is the start of #${r.room}.`]
  if (r.info?.topic) lines.push(`Topic: ${r.info.topic}`)
  if (r.info?.owner) lines.push(`Created by ${r.info.owner}${r.info.private ? ' · private room' : ''}.`)
  return { kind: 'start', key: 'top', title: `#${r.room}`, lines }
}

/** The rows with the markers in place: the top first, the divider above the row of
 * `firstUnread` (or above the group that holds it). */
export function withMarkers(rows: Row[], top: Marker | null, firstUnread: string | null): TimelineRow[] {
  const out: TimelineRow[] = top ? [top] : []
  let placed = false
  for (const row of rows) {
    // (no array per row: this runs over the whole timeline on every update)
    if (!placed && firstUnread && row.kind !== 'day' && (row.msg.id === firstUnread || row.key === firstUnread)) {
      // above the day heading when the line opens a day
      const prev = out[out.length - 1]
      const at = prev && prev.kind === 'day' ? out.length - 1 : out.length
      out.splice(at, 0, { kind: 'divider', key: 'divider' })
      placed = true
    }
    out.push(row)
  }
  return out
}

export function markerSig(m: Marker): string {
  return m.kind === 'start' ? `${m.title}|${m.lines.join('|')}` : m.kind === 'cut' ? m.text : 'divider'
}

export function markerEstimate(m: Marker): number {
  return m.kind === 'start' ? 120 : m.kind === 'cut' ? 40 : 30
}

export function renderMarker(m: Marker): HTMLElement {
  if (m.kind === 'divider') {
    return h('div', { class: 'new-divider', attrs: { role: 'separator', 'aria-label': 'New messages' } }, h('span', { text: 'New messages' }))
  }
  if (m.kind === 'cut') return h('div', { class: 'room-top cut' }, h('p', { text: m.text }))
  return h(
    'div',
    { class: 'room-top start' },
    h('div', { class: 'logo big', attrs: { 'aria-hidden': 'true' } }),
    h('h2', { text: m.title }),
    ...m.lines.map((l) => h('p', { text: l })),
  )
}
