import type { MessageView, RoomSnapshot } from '../src/generated/ipc'

let n = 0
export function msg(p: Partial<MessageView> = {}): MessageView {
  n += 1
  return {
    id: `m${n}`,
    room: 'lobby',
    seq: n,
    username: 'bob',
    kind: 'text',
    text: `message ${n}`,
    createdAt: 1_764_000_000_000 + n * 1000,
    time: '14:05',
    day: '2026-11-25',
    dayLabel: 'Today',
    own: false,
    delivery: null,
    removed: false,
    removedBy: null,
    body: [],
    editedAt: null,
    reactions: [],
    replyTo: null,
    mentionsMe: false,
    ...p,
  }
}

export function snapshot(p: Partial<RoomSnapshot> = {}): RoomSnapshot {
  return {
    server: 'http://127.0.0.1:3000',
    room: 'lobby',
    username: 'ann',
    users: ['ann', 'bob'],
    messages: [],
    more: false,
    maxMessageChars: 2000,
    banter: true,
    dmMembers: null,
    signedIn: [],
    unread: null,
    info: null,
    ...p,
  }
}
