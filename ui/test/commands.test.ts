// The composer's `/location LAT,LON` command: read here, checked again in Rust.
import { describe, it, expect, vi } from 'vitest'
import { parseComposer, LOCATION_USAGE } from '../src/commands'
import { renderRow, locationText, mapCoordinates } from '../src/views/message'
import { msg } from './fixtures'

describe('composer commands', () => {
  it('reads /location LAT,LON as a location', () => {
    expect(parseComposer('/location 48.8566,2.3522')).toEqual({ kind: 'location', latitude: 48.8566, longitude: 2.3522 })
    expect(parseComposer('  /location  -33.8568 , 151.2153 ')).toEqual({ kind: 'location', latitude: -33.8568, longitude: 151.2153 })
    expect(parseComposer('/location 90,-180')).toEqual({ kind: 'location', latitude: 90, longitude: -180 })
    expect(parseComposer('/location 1e-7,0')).toEqual({ kind: 'location', latitude: 1e-7, longitude: 0 })
  })

  it('everything else is a message, sent as typed', () => {
    for (const text of ['hello', '/locations 1,2', 'see /location 1,2', '/LOCATION 1,2', 'location 1,2']) {
      expect(parseComposer(text)).toEqual({ kind: 'text', text })
    }
  })

  it('a bad location is an error that says what to type, not a message', () => {
    const cases: [string, string][] = [
      ['/location abc', 'Invalid location: expected LAT,LON.'],
      ['/location', 'Invalid location: expected LAT,LON.'],
      ['/location 1,2,3', 'Invalid location: expected LAT,LON.'],
      ['/location north,2', 'Invalid location: "north" is not a number.'],
      ['/location NaN,2', 'Invalid location: "NaN" is not a number.'],
      ['/location 1,Infinity', 'Invalid location: "Infinity" is not a number.'],
      ['/location 0x10,2', 'Invalid location: "0x10" is not a number.'],
      ['/location ,2', 'Invalid location: "" is not a number.'],
      ['/location 91,0', 'Invalid location: the latitude 91 is out of range (it must be from -90 to 90).'],
      ['/location 0,-180.5', 'Invalid location: the longitude -180.5 is out of range (it must be from -180 to 180).'],
      ['/location 1e400,0', 'Invalid location: the latitude must be a finite number.'],
    ]
    for (const [text, start] of cases) {
      const r = parseComposer(text)
      expect(r.kind, text).toBe('error')
      if (r.kind === 'error') expect(r.message.startsWith(start), `${text}: ${r.message}`).toBe(true)
    }
    const r = parseComposer('/location abc')
    expect(r.kind === 'error' && r.message.endsWith(LOCATION_USAGE)).toBe(true)
  })
})

describe('location lines', () => {
  const actions = { openLink: vi.fn(), retry: vi.fn() }
  const url = 'https://google.com/maps?q=48.8566,2.3522'

  it('show one "shared a location" link to the map, opened through the app', () => {
    const row = renderRow({ kind: 'msg', key: 'l', head: true, msg: msg({ kind: 'location', text: url, username: 'bob' }) }, actions)
    const links = [...row.querySelectorAll('a')]
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual([['shared a location', url]])
    expect(row.querySelector('.text.location')!.textContent).toBe('shared a location · 48.8566, 2.3522')
    const ev = new MouseEvent('click', { cancelable: true, bubbles: true })
    links[0].dispatchEvent(ev)
    expect(ev.defaultPrevented).toBe(true)
    expect(actions.openLink).toHaveBeenCalledWith(url)
  })

  it('say where, when the link is a map link of the classic shape', () => {
    expect(mapCoordinates('https://google.com/maps?q=-33.8568,151.2153')).toBe('-33.8568, 151.2153')
    expect(mapCoordinates('https://google.com/maps?q=1e-7,0')).toBe('0, 0')
    for (const other of ['https://example.org/', 'https://google.com/maps?q=paris', 'https://google.com/maps?q=91,0', 'not a url']) {
      expect(mapCoordinates(other), other).toBeUndefined()
    }
    expect(locationText('https://example.org/map', actions).textContent).toBe('shared a location')
  })

  it('never link anything but http(s), and stay text', () => {
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', '<img src=x onerror=alert(1)>', 'data:text/html,x']) {
      const el = locationText(bad, actions)
      expect(el.querySelector('a'), bad).toBeNull()
      expect(el.querySelector('img')).toBeNull()
      expect(el.textContent).toBe(`shared a location: ${bad}`)
    }
  })
})
