// The unread state outside the window (the tray icon and the launcher badge, Rust's
// tray.rs and badge.rs): totals over every room and DM, told to Rust only when they change
// and at most every 500 ms.
import type { RoomState } from './store'
import type { UnreadRequest } from './generated/ipc'

/** Unread messages in all rooms and DMs, and how many of them mention you (the store's
 * per-room count; a DM's unread messages all count: they are addressed to you). */
export function unreadTotals(rooms: Iterable<Pick<RoomState, 'unread' | 'mentions' | 'dmMembers'>>): UnreadRequest {
  let unread = 0
  let mentions = 0
  for (const r of rooms) {
    if (r.unread <= 0) continue
    unread += r.unread
    mentions += r.dmMembers ? r.unread : Math.min(Math.max(r.mentions, 0), r.unread)
  }
  return { unread, mentions }
}

/** Calls `send` with the latest totals, at most once per `everyMs`, and only on a change. */
export function unreadReporter(send: (t: UnreadRequest) => Promise<unknown>, everyMs = 500): (t: UnreadRequest) => void {
  let sent: UnreadRequest | null = null
  let latest: UnreadRequest | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  const flush = () => {
    timer = null
    if (!latest || (sent && sent.unread === latest.unread && sent.mentions === latest.mentions)) return
    sent = latest
    send(latest).catch(() => {
      sent = null // told again with the next change
    })
  }
  return (t) => {
    latest = t
    if (!timer) timer = setTimeout(flush, everyMs)
  }
}
