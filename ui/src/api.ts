// Typed wrappers over the Rust commands. Every type comes from generated/ipc.ts (ts-rs).
import { invoke } from '@tauri-apps/api/core'
import type {
  AccountPolicy,
  AppInfo,
  CommandError,
  ConnectInfo,
  ConnectRequest,
  EditRequest,
  HistoryPage,
  LocalServerInfo,
  MessageView,
  PasswordChanged,
  ReactRequest,
  SearchRequest,
  SearchResults,
  RoomInfoView,
  RoomSettingsRequest,
  RoomSnapshot,
  SavedFile,
  UploadLimit,
  SessionView,
  SendLocationRequest,
  SharingInfo,
  Settings,
  SignInRequest,
  UiEvent,
  UnreadRequest,
} from './generated/ipc'

/** Views that follow one kind of event themselves (uploads: views/files.ts) see every batch
 * before the store does. */
const batchWatchers: ((events: UiEvent[]) => void)[] = []
export function watchEvents(fn: (events: UiEvent[]) => void): void {
  batchWatchers.push(fn)
}

/** Waits before pulling again after a failed pull (the app is quitting, or a bug). */
const PULL_RETRY_MS = 1000

async function pullEvents(generation: number, onBatch: (events: UiEvent[]) => void): Promise<void> {
  for (;;) {
    let batch: UiEvent[] | null
    try {
      batch = await invoke<UiEvent[] | null>('next_events', { generation })
    } catch (e) {
      console.warn('next_events failed', e)
      await new Promise((r) => setTimeout(r, PULL_RETRY_MS))
      continue
    }
    if (batch === null) return
    if (batch.length === 0) continue
    try {
      onBatch(batch)
    } catch (e) {
      // one bad batch must not stop delivery of the next ones
      console.error('applying events failed', e)
    }
  }
}

export const api = {
  /** Starts pulling the core's events (resolves once subscribed): each batch is a pull's
   * response (`next_events`, a long poll; src-tauri/src/page_queue.rs), taken when the page
   * is ready for it. Ends when a newer subscription (a reload) takes over. */
  async subscribe(onBatch: (events: UiEvent[]) => void): Promise<void> {
    const generation = await invoke<number>('subscribe')
    void pullEvents(generation, (batch) => {
      for (const w of batchWatchers) w(batch)
      onBatch(batch)
    })
  },
  appInfo: () => invoke<AppInfo>('app_info'),
  saveSettings: (settings: Settings) => invoke<Settings>('save_settings', { settings }),
  connect: (request: ConnectRequest) => invoke<ConnectInfo>('connect', { request }),
  disconnect: (server: string) => invoke<void>('disconnect', { request: { server } }),
  accountPolicy: (server: string, token: string | null) => invoke<AccountPolicy>('account_policy', { request: { server, token } }),
  signIn: (request: SignInRequest) => invoke<ConnectInfo>('sign_in', { request }),
  signOut: (server: string) => invoke<void>('sign_out', { request: { server } }),
  join: (server: string, room: string) => invoke<RoomSnapshot>('join', { request: { server, room } }),
  leave: (server: string, room: string) => invoke<void>('leave', { request: { server, room } }),
  send: (server: string, room: string, text: string, replyTo: string | null = null) => invoke<MessageView>('send', { request: { server, room, text, replyTo } }),
  editMessage: (request: EditRequest) => invoke<void>('edit_message', { request }),
  deleteMessage: (server: string, room: string, id: string) => invoke<void>('delete_message', { request: { server, room, id } }),
  react: (request: ReactRequest) => invoke<void>('react', { request }),
  search: (request: SearchRequest) => invoke<SearchResults>('search', { request }),
  sendLocation: (request: SendLocationRequest) => invoke<MessageView>('send_location', { request }),
  retry: (server: string, room: string, id: string) => invoke<void>('retry', { request: { server, room, id } }),
  history: (server: string, room: string, beforeSeq: number, limit: number) =>
    invoke<HistoryPage>('history', { request: { server, room, beforeSeq, limit } }),
  setTyping: (server: string, room: string, typing: boolean) =>
    invoke<void>('set_typing', { request: { server, room, typing } }),
  tokenSet: (server: string, token: string) => invoke<void>('token_set', { request: { server, token } }),
  tokenClear: (server: string) => invoke<void>('token_clear', { request: { server } }),
  openLink: (url: string) => invoke<void>('open_link', { url }),
  startLocalServer: () => invoke<LocalServerInfo>('start_local_server'),
  /** Opens (or creates) the DM with these other accounts; a DM's id is its room from then on. */
  openDm: (server: string, withNames: string[]) => invoke<RoomSnapshot>('open_dm', { request: { server, with: withNames, dm: null } }),
  /** Tells Rust which conversation the window shows (for notifications). */
  setView: (shown: { server: string; room: string } | null) => invoke<void>('set_view', { request: { shown } }),
  /** Every message up to `seq` has been seen (signed in on a Banter server). */
  markRead: (server: string, room: string, seq: number) => invoke<void>('mark_read', { request: { server, room, seq } }),
  /** The account's rooms and DMs not open here yet (a second computer), with unread counts. */
  restoreAccount: (server: string) => invoke<RoomSnapshot[]>('restore_account', { request: { server } }),
  roomSettings: (request: RoomSettingsRequest) => invoke<RoomInfoView>('room_settings', { request }),
  roomMembers: (server: string, room: string, add: string[], remove: string[]) =>
    invoke<RoomInfoView>('room_members', { request: { server, room, add, remove } }),
  removeMessage: (server: string, room: string, id: string) => invoke<void>('remove_message', { request: { server, room, id } }),
  kick: (server: string, room: string, name: string) => invoke<void>('kick', { request: { server, room, name } }),
  ban: (server: string, room: string, name: string) => invoke<void>('ban', { request: { server, room, name } }),
  /** Blocking another account: its DMs to you are refused and its messages there hidden. */
  block: (server: string, name: string) => invoke<void>('block', { request: { server, name } }),
  unblock: (server: string, name: string) => invoke<void>('unblock', { request: { server, name } }),
  blocks: (server: string) => invoke<string[]>('blocks', { request: { server } }),
  sessions: (server: string) => invoke<SessionView[]>('sessions', { request: { server } }),
  revokeSession: (server: string, id: string) => invoke<void>('revoke_session', { request: { server, id } }),
  changePassword: (server: string, old: string, next: string) =>
    invoke<PasswordChanged>('change_password', { request: { server, old, new: next } }),
  /** Ends Banter and the server it hosts (the tray's Quit; Ctrl+Q). */
  quit: () => invoke<void>('quit'),
  /** The unread totals over every room and DM, for the tray icon and the launcher badge. */
  setUnread: (request: UnreadRequest) => invoke<void>('set_unread', { request }),
  /** Trusts this certificate for this https:// server only (`replaces`: the one trusted until now). */
  trustCertificate: (server: string, fingerprint: string, replaces: string | null) =>
    invoke<void>('trust_certificate', { request: { server, fingerprint, replaces } }),
  /** Whether the hosted server is shared on the network, and how others join it. */
  sharing: () => invoke<SharingInfo>('sharing'),
  /** Shares the hosted server on the network (with an access token), or stops sharing. */
  setSharing: (on: boolean, room: string | null) => invoke<SharingInfo>('set_sharing', { request: { on, room } }),
  /** Sends a file's bytes to a room (the raw body; where it goes in percent-encoded headers);
   * its progress comes as `upload` events under `uploadId`. */
  uploadFile: (server: string, room: string, name: string, uploadId: string, bytes: Uint8Array) =>
    invoke<void>('upload_file', bytes, {
      headers: {
        'x-banter-server': encodeURIComponent(server),
        'x-banter-room': encodeURIComponent(room),
        'x-banter-name': encodeURIComponent(name),
        'x-banter-upload-id': encodeURIComponent(uploadId),
      },
    }),
  cancelUpload: (uploadId: string) => invoke<void>('cancel_upload', { request: { uploadId } }),
  /** Whether the room takes files from you, and how large. */
  uploadLimit: (server: string, room: string) => invoke<UploadLimit>('upload_limit', { request: { server, room } }),
  /** An image's thumbnail bytes (PNG/JPEG/GIF/WebP), fetched by the Rust side. */
  fileThumbnail: (server: string, room: string, id: string) => invoke<ArrayBuffer>('file_thumbnail', { request: { server, room, id } }),
  /** Saves a message's file into Downloads (a new name there; not opened): where it went. */
  saveFile: (server: string, room: string, id: string) => invoke<SavedFile>('save_file', { request: { server, room, id } }),
}

/** The text of a command's failure: `{code, message}` from Rust, or anything else. */
export function errorMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) return String((e as CommandError).message)
  return String(e)
}
