// The timeline's clock. Rust formats each time of day in the machine's zone as 24-hour
// `HH:MM` (src-tauri/src/format.rs); the Appearance setting may show it as `2:05 PM`
// instead. Kept here, not in each message, so a change of setting needs no refetch.
import type { Clock } from './generated/ipc'

let current: Clock = 'h24'

export function setClock(c: Clock): void {
  current = c
}

export function clock(): Clock {
  return current
}

/** `14:05` as the clock shows it: itself (24-hour) or `2:05 PM`; anything else unchanged. */
export function clockText(time24: string, c: Clock = current): string {
  if (c === 'h24') return time24
  const m = /^(\d{1,2}):(\d{2})$/.exec(time24)
  if (!m) return time24
  const hour = Number(m[1])
  if (hour > 23) return time24
  return `${hour % 12 || 12}:${m[2]} ${hour < 12 ? 'AM' : 'PM'}`
}
