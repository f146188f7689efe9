// Generated from src-tauri/src/ipc.rs by ts-rs. Do not edit by hand:
// run `BANTER_UPDATE_BINDINGS=1 cargo test -p banter-desktop --lib bindings`.

export type ErrorCode = "invalid" | "unreachable" | "unauthorized" | "refused" | "not_connected" | "keyring" | "settings" | "local_server" | "account" | "session_invalid" | "no_accounts" | "invalid_link" | "untrusted_certificate" | "certificate_changed" | "internal";

export type CommandError = { code: ErrorCode, message: string, 
/**
 * The certificate at issue, for `untrusted_certificate` and `certificate_changed`.
 */
certificate?: CertificateProblem, };

export type CertificateProblem = { 
/**
 * The server (normalised URL).
 */
server: string, 
/**
 * `host:port`, as the user names the server.
 */
host: string, 
/**
 * The SHA-256 fingerprint of the certificate the server presents now (`AB:CD:…`).
 */
fingerprint: string, 
/**
 * The fingerprint trusted before (`certificate_changed` only).
 */
pinned: string | null, };

export type TrustRequest = { server: string, 
/**
 * The SHA-256 fingerprint shown to the user (`AB:CD:…`).
 */
fingerprint: string, 
/**
 * Replacing a pinned certificate: the fingerprint trusted until now, which must match
 * (the user saw the warning naming both); `None` when nothing is pinned yet.
 */
replaces: string | null, };

export type SharingRequest = { on: boolean, 
/**
 * The room the invite link names (default `lobby`).
 */
room: string | null, };

export type SharingInfo = { 
/**
 * This app hosts a server (else there is nothing to share).
 */
hosted: boolean, 
/**
 * Listening on the network (with an access token); else loopback only.
 */
shared: boolean, 
/**
 * The server as this app reaches it (`http://127.0.0.1:PORT`).
 */
url: string | null, 
/**
 * How others on the network reach it (`http://192.168.1.5:PORT`), one per IPv4 address.
 */
addresses: Array<string>, 
/**
 * The access token others need (shared only).
 */
token: string | null, 
/**
 * A `banter://join?server=…&room=…` link to the first address.
 */
link: string | null, };

export type ConnectRequest = { url: string, displayName: string, 
/**
 * A token typed in the connect screen; `None` uses the remembered one, if any.
 */
token: string | null, 
/**
 * Store the typed token in the system keyring.
 */
rememberToken: boolean, };

export type ConnectInfo = { 
/**
 * The normalised URL: the server's key in every other command.
 */
server: string, displayName: string, 
/**
 * Whether a token is remembered in the keyring for this server.
 */
tokenRemembered: boolean, 
/**
 * The account signed in on this server (`None`: a guest).
 */
account: string | null, };

export type AccountPolicyRequest = { server: string, token: string | null, };

export type RegistrationMode = "open" | "invite" | "closed";

export type AccountPolicy = { server: string, registration: RegistrationMode, 
/**
 * Guests (not signed in) may chat.
 */
guests: boolean, };

export type SignInRequest = { server: string, name: string, password: string, register: boolean, invite: string | null, 
/**
 * The server's access token, if typed (else the remembered one).
 */
token: string | null, rememberToken: boolean, };

export type RoomRequest = { server: string, room: string, };

export type RoomSnapshot = { server: string, room: string, 
/**
 * Your name in this room, as the server normalised it.
 */
username: string, users: Array<string>, messages: Array<MessageView>, 
/**
 * Older history exists.
 */
more: boolean, maxMessageChars: number, 
/**
 * The server speaks Banter's extensions (ids, history, receipts, typing).
 */
banter: boolean, 
/**
 * A direct message (`room` is its `dm:…` id): its members' account names, sorted, yours
 * included. `None` for a room.
 */
dmMembers: Array<string> | null, 
/**
 * Those of `users` who are signed-in accounts (verified names); the others are guests.
 * Empty on a classic server, where no name is verified.
 */
signedIn: Array<string>, 
/**
 * Unread messages for this account (from its read marker, the same on every device);
 * `None` when the server keeps no marker (a guest, a classic server).
 */
unread: number | null, 
/**
 * Owner, topic, privacy, moderators and your role (servers with moderation).
 */
info: RoomInfoView | null, };

export type RoomInfoView = { owner: string | null, topic: string, private: boolean, moderators: Array<string>, 
/**
 * `admin`, `owner`, `moderator`, `member` or `none`; `None` when not known.
 */
role: string | null, 
/**
 * A private room's invited members (owners, admins and moderators see them).
 */
members: Array<string> | null, };

export type MarkReadRequest = { server: string, room: string, seq: number, };

export type RoomSettingsRequest = { server: string, room: string, topic: string | null, private: boolean | null, 
/**
 * The whole new list of moderators (account names).
 */
moderators: Array<string> | null, };

export type RoomMembersRequest = { server: string, room: string, add: Array<string>, remove: Array<string>, };

export type MessageRequest = { server: string, room: string, id: string, };

export type MemberRequest = { server: string, room: string, name: string, };

export type OpenDmRequest = { server: string, with: Array<string>, dm: string | null, };

export type ViewRequest = { shown: RoomRef | null, };

export type UnreadRequest = { 
/**
 * Unread messages in all rooms and DMs.
 */
unread: number, 
/**
 * Of which mention you (or are direct messages).
 */
mentions: number, };

export type SessionView = { id: string, 
/**
 * The device name it was made with ("Banter desktop", "banter-cli", …).
 */
device: string, 
/**
 * This computer's session (not revocable from the list: that is Sign out).
 */
current: boolean, 
/**
 * When it was last used, local time ("Today 14:05").
 */
lastUsed: string, 
/**
 * The day it was made ("Monday 23 November").
 */
created: string, };

export type RevokeRequest = { server: string, id: string, };

export type BlockRequest = { server: string, name: string, };

export type ChangePasswordRequest = { server: string, old: string, new: string, };

export type PasswordChanged = { revoked: number, };

export type SendRequest = { server: string, room: string, text: string, 
/**
 * The id of the message this one answers (Banter servers).
 */
replyTo: string | null, };

export type SendLocationRequest = { server: string, room: string, latitude: number, longitude: number, };

export type RetryRequest = { server: string, room: string, id: string, };

export type HistoryRequest = { server: string, room: string, beforeSeq: number, limit: number, };

export type HistoryPage = { messages: Array<MessageView>, more: boolean, };

export type TypingRequest = { server: string, room: string, typing: boolean, };

export type TokenRequest = { server: string, token: string, };

export type ServerRequest = { server: string, };

export type MessageKind = "text" | "location" | "notice";

export type DeliveryState = "pending" | "delivered" | "refused" | "failed";

export type Delivery = { state: DeliveryState, 
/**
 * Why it was refused or failed.
 */
reason: string | null, 
/**
 * Receipts: how many other members confirmed it, of how many.
 */
receivedBy: number | null, recipients: number | null, };

export type MessageView = { id: string, room: string, 
/**
 * Server order; `None` while one of your messages is pending.
 */
seq: number | null, username: string, kind: MessageKind, 
/**
 * Plain text: the UI shows it with `textContent` only.
 */
text: string, 
/**
 * Milliseconds since the Unix epoch.
 */
createdAt: number, 
/**
 * Local time of day, e.g. "14:05".
 */
time: string, 
/**
 * Local calendar day, e.g. "2026-11-25": messages are grouped by it.
 */
day: string, 
/**
 * The day as a heading: "Today", "Yesterday", "Monday 23 November 2026".
 */
dayLabel: string, 
/**
 * Sent by you.
 */
own: boolean, 
/**
 * Only for your own messages.
 */
delivery: Delivery | null, 
/**
 * A moderator removed it: a tombstone (`text` is empty).
 */
removed: boolean, 
/**
 * Who removed it, when known (live removals; history says only that it was).
 */
removedBy: string | null, 
/**
 * The text as a markdown tree, for the page to build with DOM calls (text messages;
 * empty for the others). Derived from `text`: not read back from the timeline cache.
 */
body: Array<MdNode>, 
/**
 * When its author last edited it ("(edited)").
 */
editedAt: number | null, reactions: Array<ReactionView>, 
/**
 * The message it answers.
 */
replyTo: ReplyView | null, 
/**
 * It pings you (`@you`, `@here` from a moderator, or one of your keywords).
 */
mentionsMe: boolean, 
/**
 * The file it carries (a Banter server's upload): a file line instead of text.
 */
file?: FileView | null, };

export type MdNode = { "t": "paragraph", children: Array<MdNode>, } | { "t": "heading", children: Array<MdNode>, } | { "t": "quote", children: Array<MdNode>, } | { "t": "list", ordered: boolean, start: number, children: Array<MdNode>, } | { "t": "item", children: Array<MdNode>, } | { "t": "code_block", lang: string | null, text: string, } | { "t": "rule" } | { "t": "text", text: string, } | { "t": "strong", children: Array<MdNode>, } | { "t": "emphasis", children: Array<MdNode>, } | { "t": "strike", children: Array<MdNode>, } | { "t": "code", text: string, } | { "t": "link", href: string, children: Array<MdNode>, } | { "t": "break" };

export type ReactionView = { emoji: string, count: number, 
/**
 * You are among them (the button shows pressed; a click takes yours back).
 */
mine: boolean, 
/**
 * Who reacted, for the tooltip.
 */
users: Array<string>, };

export type ReplyView = { id: string, seq: number, username: string, 
/**
 * Its first line or so, as plain text.
 */
excerpt: string, 
/**
 * It was deleted or removed since.
 */
removed: boolean, };

export type FileView = { 
/**
 * The upload's id (32 hex digits): `file_thumbnail` and `save_file` take it.
 */
id: string, name: string, 
/**
 * Bytes.
 */
size: number, 
/**
 * The size in words ("47.1 KB").
 */
sizeLabel: string, 
/**
 * What the server found; it only describes (nothing renders by its type).
 */
mime: string, width: number | null, height: number | null, 
/**
 * An inline image with a server-made thumbnail (PNG, JPEG, GIF or WebP only: SVG,
 * HTML and everything else are attachments, never rendered).
 */
image: boolean, 
/**
 * The server's signed path (`/files/<id>/<name>?exp=&sig=`), kept so a guest can still
 * fetch the file; the page never fetches anything itself.
 */
link: string, };

export type UploadState = "sending" | "done" | "failed" | "cancelled";

export type UploadView = { uploadId: string, server: string, room: string, name: string, sent: number, total: number, state: UploadState, 
/**
 * Why it failed, in words.
 */
error: string | null, };

export type UploadLimit = { 
/**
 * `None`: no uploads here (`reason` says why).
 */
maxUploadBytes: number | null, 
/**
 * The limit in words ("25.0 MB").
 */
maxLabel: string | null, reason: string | null, };

export type FileRequest = { server: string, room: string, 
/**
 * The file's id (`FileView.id`).
 */
id: string, };

export type CancelUploadRequest = { uploadId: string, };

export type SavedFile = { path: string, name: string, };

export type EditRequest = { server: string, room: string, id: string, text: string, };

export type ReactRequest = { server: string, room: string, id: string, emoji: string, on: boolean, };

export type DeleteRequest = { server: string, room: string, id: string, };

export type SearchRequest = { server: string, query: string, room: string | null, };

export type SearchHitView = { server: string, room: string, 
/**
 * What to call the room (a DM: its other members).
 */
label: string, id: string, seq: number | null, username: string, createdAt: number, 
/**
 * "Monday 23 November 2026 · 14:05".
 */
when: string, 
/**
 * The text around the match, in order, for the page to build with text nodes and
 * `<mark>` for the matched words.
 */
parts: Array<SnippetPart>, };

export type SnippetPart = { text: string, hit: boolean, };

export type SearchResults = { hits: Array<SearchHitView>, 
/**
 * Searched on the server's index (`false`: the lines this app holds, on a classic server).
 */
full: boolean, };

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

export type UiEvent = { "type": "connection", server: string, state: ConnectionState, detail: string | null, } | { "type": "message", server: string, message: MessageView, } | { "type": "delivery", server: string, room: string, id: string, seq: number | null, delivery: Delivery, } | { "type": "presence", server: string, room: string, username: string, joined: boolean, users: Array<string>, signedIn: Array<string>, } | { "type": "typing", server: string, room: string, username: string, typing: boolean, } | { "type": "room", snapshot: RoomSnapshot, } | { "type": "roomInfo", server: string, room: string, info: RoomInfoView, } | { "type": "edited", server: string, room: string, id: string, text: string, body: Array<MdNode>, editedAt: number, } | { "type": "reactions", server: string, room: string, id: string, reactions: Array<ReactionView>, } | { "type": "removed", server: string, room: string, id: string, by: string, } | { "type": "kicked", server: string, room: string, by: string, banned: boolean, } | { "type": "readMarker", server: string, room: string, readSeq: number, unread: number, } | { "type": "roomLeft", server: string, room: string, } | { "type": "error", error: CommandError, } | { "type": "upload", upload: UploadView, } | { "type": "invite", link: InviteView, } | { "type": "inviteRefused", error: CommandError, } | { "type": "openRoom", server: string, room: string, } | { "type": "settingsChanged", settings: Settings, };

export type InviteView = { server: string, 
/**
 * Normalised as servers do (trimmed, lower case).
 */
room: string, 
/**
 * An invite code for registering on a server that lets people in by invitation.
 */
invite: string | null, };

export type AppInfo = { version: string, settings: Settings, 
/**
 * A `banter-server` binary was found, so "host rooms on this machine" is offered.
 */
localServerAvailable: boolean, 
/**
 * Servers with a remembered token (never the token itself).
 */
rememberedTokens: Array<string>, 
/**
 * A display name to offer (the system user name), valid as one.
 */
suggestedName: string, 
/**
 * Host rooms on this computer at once when nothing is configured (`BANTER_AUTOHOST=1`,
 * set by scripts/run-app.sh).
 */
autohost: boolean, 
/**
 * A tray icon exists (the desktop has a StatusNotifierWatcher): closing the window can
 * keep Banter running there (`closeToTray`). Without one, closing quits.
 */
tray: boolean, 
/**
 * The spell checking dictionaries installed (`en_US`, …), for the Settings view.
 */
dictionaries: Array<string>, 
/**
 * The dictionary "automatic" uses (the locale's), empty when none is installed.
 */
automaticDictionary: string, };

export type LocalServerInfo = { url: string, };

export type Settings = { servers: Array<ServerEntry>, 
/**
 * The display name last used.
 */
displayName: string, 
/**
 * Rooms to re-join at start.
 */
rooms: Array<RoomRef>, 
/**
 * Direct messages to reopen at start (signed in on their server).
 */
dms: Array<DmRef>, 
/**
 * Rooms you were kicked from: not joined again by themselves (the account keeps a
 * kicked room), until you join one yourself.
 */
removedFrom: Array<RoomRef>, notifications: NotificationPrefs, 
/**
 * Closing the window hides it in the tray, where there is one (tray.rs); the app keeps
 * receiving. On by default; without a tray closing quits whatever this says.
 */
closeToTray: boolean, 
/**
 * How things look: the clock in the timeline, the zoom level.
 */
appearance: Appearance, 
/**
 * Start at login, hidden in the tray (the autostart file: desktop_prefs.rs).
 */
startup: Startup, 
/**
 * Spell checking in the composer (spellcheck.rs).
 */
spellcheck: SpellcheckPrefs, };

export type ServerEntry = { url: string, displayName: string, 
/**
 * Started by the app on this machine ("host rooms here").
 */
local: boolean, 
/**
 * The account signed in on this server (its name only: the session token is in the
 * keyring); empty for a guest.
 */
account: string, };

export type RoomRef = { server: string, room: string, };

export type DmRef = { server: string, dm: string, members: Array<string>, };

export type NotificationPrefs = { doNotDisturb: boolean, onJoin: boolean, onMessage: boolean, muted: Array<RoomRef>, 
/**
 * A mention of you notifies even in a muted room (do-not-disturb still silences it).
 */
mentions: boolean, 
/**
 * Personal keywords: a message with one of them (a whole word, any case) pings you as
 * `@name` does.
 */
keywords: Array<string>, };

export type Clock = "h24" | "h12";

export type Appearance = { clock: Clock, 
/**
 * The page zoom in percent (Ctrl+= / Ctrl+- / Ctrl+0), [`ZOOM_MIN`] to [`ZOOM_MAX`].
 */
zoomPercent: number, };

export type Startup = { 
/**
 * Start Banter when you log in (off by default).
 */
atLogin: boolean, 
/**
 * Started at login: stay in the tray, no window (only where there is a tray).
 */
hidden: boolean, };

export type SpellcheckPrefs = { enabled: boolean, 
/**
 * A dictionary name such as `en_US`; empty: the one of the locale.
 */
language: string, };
