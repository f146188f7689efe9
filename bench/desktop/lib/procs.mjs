// The app's processes and their memory: RSS and PSS summed over the app and its WebKit
// processes, the group's pages counted once (groupmem.py), and a breakdown by process and
// mapping (heap, anonymous, libraries) from /proc/PID/smaps.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { APP_BIN, log } from './common.mjs'

function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}
export function descendants(pid) {
  const out = []
  const stack = [pid]
  while (stack.length) {
    const p = stack.pop()
    for (const c of children(p)) {
      out.push(c)
      stack.push(c)
    }
  }
  return out
}
export function comm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return '?'
  }
}
function exe(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]
  } catch {
    return ''
  }
}
/** The app process under a tauri-driver (tauri-driver → WebKitWebDriver → banter). */
export function appPid(driverPid) {
  return descendants(driverPid).find((p) => exe(p) === APP_BIN)
}
function kb(file, key) {
  try {
    const m = readFileSync(file, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}
/** RSS and PSS (kB) of the app and every descendant (WebKitWebProcess, WebKitNetworkProcess…);
 * with `unique`, the group's resident pages counted once too. */
export function memory(pid, { unique = false } = {}) {
  const pids = [pid, ...descendants(pid)]
  let rss = 0
  let pss = 0
  let pssOk = true
  const procs = []
  for (const p of pids) {
    const r = kb(`/proc/${p}/status`, 'VmRSS')
    const s = kb(`/proc/${p}/smaps_rollup`, 'Pss')
    if (r === null) continue
    rss += r
    if (s === null) pssOk = false
    else pss += s
    procs.push({ pid: p, comm: comm(p), rssKB: r, pssKB: s })
  }
  // the group's resident pages counted once (PSS depends on who else maps the same libraries)
  let uniqueMB = null
  if (unique) {
    try {
      uniqueMB = JSON.parse(execFileSync('python3', [join(import.meta.dirname, '..', 'groupmem.py'), ...procs.map((p) => String(p.pid))], { encoding: 'utf8', timeout: 30000 })).uniqueMB
    } catch (e) {
      log(`groupmem.py: ${e.message}`)
    }
  }
  return { rssMB: +(rss / 1024).toFixed(1), pssMB: pssOk ? +(pss / 1024).toFixed(1) : null, uniqueMB, procs }
}

/** Which kind of memory a mapping is, by its name in /proc/PID/smaps. */
function category(name) {
  if (!name) return 'anon'
  if (name === '[heap]') return 'heap'
  if (name.startsWith('[stack')) return 'stack'
  if (name.startsWith('[')) return 'other'
  if (/libwebkit2gtk/.test(name)) return 'libwebkit2gtk'
  if (/libjavascriptcoregtk/.test(name)) return 'libjavascriptcore'
  if (/libLLVM/.test(name)) return 'libLLVM'
  if (/\.so[.\d]*( \(deleted\))?$/.test(name)) return 'other libs'
  if (/^\/memfd:|^\/dev\/shm|^\/SYSV|\(deleted\)$/.test(name)) return 'shared memory (memfd, shm)'
  if (/^\/dev\/dri/.test(name)) return 'gpu'
  if (name === APP_BIN || /\/banter$/.test(name)) return 'app binary'
  return 'other files'
}
/** PSS and private dirty (MB) of each process, by mapping category. */
export function breakdown(pid) {
  const out = {}
  for (const p of [pid, ...descendants(pid)]) {
    let text
    try {
      text = readFileSync(`/proc/${p}/smaps`, 'utf8')
    } catch {
      continue
    }
    const cats = {}
    let cur = null
    for (const line of text.split('\n')) {
      const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
      if (m) {
        const c = category(m[1].trim())
        cur = cats[c] ??= { pssKB: 0, privateDirtyKB: 0, mappings: 0 }
        cur.mappings++
        continue
      }
      if (!cur) continue
      const f = /^(Pss|Private_Dirty):\s+(\d+) kB/.exec(line)
      if (f) cur[f[1] === 'Pss' ? 'pssKB' : 'privateDirtyKB'] += Number(f[2])
    }
    const name = `${comm(p)} ${p}`
    out[name] = Object.fromEntries(
      Object.entries(cats)
        .sort((a, b) => b[1].pssKB - a[1].pssKB)
        .map(([c, v]) => [c, { pssMB: +(v.pssKB / 1024).toFixed(1), privateDirtyMB: +(v.privateDirtyKB / 1024).toFixed(1) }]),
    )
  }
  return out
}
/** Per process PSS (MB), by its command name ("banter", "WebKitWebProces"…). */
export function perProcess(m) {
  const o = {}
  for (const p of m.procs) o[p.comm] = +((o[p.comm] ?? 0) + (p.pssKB ?? 0) / 1024).toFixed(1)
  return o
}

/** WebKit processes on the machine outside our group (they share pages, lowering our PSS). */
export function otherWebKit(pid) {
  const ours = new Set([pid, ...descendants(pid)])
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d) && !ours.has(Number(d)) && /^WebKit(Web|Network)Pr/.test(comm(d))).length
}
