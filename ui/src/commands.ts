// What the composer's text means: a message, or a command. Today one command:
// `/location LAT,LON` (decimal degrees, e.g. `/location 48.8566,2.3522`) shares a location.
// Rust checks the coordinates again (validate.rs, banter-client); this only reads them and
// says early, in the same words, what is wrong.

export type Composed =
  | { kind: 'text'; text: string }
  | { kind: 'location'; latitude: number; longitude: number }
  | { kind: 'error'; message: string }

export const LOCATION_USAGE = 'Type /location LAT,LON in decimal degrees, for example /location 48.8566,2.3522.'

// A plain decimal number, as people type coordinates: no "NaN", "Infinity", hex or blanks.
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

function coordinate(what: string, raw: string, max: number): number | string {
  const s = raw.trim()
  if (!NUMBER.test(s)) return `Invalid location: ${JSON.stringify(s)} is not a number. ${LOCATION_USAGE}`
  const v = Number(s)
  if (!Number.isFinite(v)) return `Invalid location: the ${what} must be a finite number. ${LOCATION_USAGE}`
  if (v < -max || v > max) return `Invalid location: the ${what} ${v} is out of range (it must be from -${max} to ${max}).`
  return v
}

/** Reads what the composer holds. A line like `/locations` or `hello /location` is text. */
export function parseComposer(text: string): Composed {
  const m = /^\s*\/location(?=\s|$)([\s\S]*)$/.exec(text)
  if (!m) return { kind: 'text', text }
  const arg = m[1].trim()
  const parts = arg.split(',')
  if (parts.length !== 2) return { kind: 'error', message: `Invalid location: expected LAT,LON. ${LOCATION_USAGE}` }
  const latitude = coordinate('latitude', parts[0], 90)
  if (typeof latitude === 'string') return { kind: 'error', message: latitude }
  const longitude = coordinate('longitude', parts[1], 180)
  if (typeof longitude === 'string') return { kind: 'error', message: longitude }
  return { kind: 'location', latitude, longitude }
}
