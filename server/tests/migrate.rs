//! `banter-server migrate --from PATH.db --to postgres://…` (the real binary): a SQLite
//! server's data, written through its stores (accounts and a session, an invite, rooms with
//! messages, an edit, reactions, a reply, a file, a location, a moderator's removal, roles,
//! a ban, read markers, a DM, a block, the search index), copied into a fresh PostgreSQL
//! database and read back through the PostgreSQL stores, field by field against the SQLite
//! stores; the ids and seqs PostgreSQL makes next follow the copied ones; the copied server
//! runs and takes the old session token. Also: a database with rows is refused and left as
//! it was; a row PostgreSQL refuses rolls everything back and is named; a missing or foreign
//! file is a clear error; `user create` and `invite create` work on `--database-url`.
//!
//! Needs `BANTER_TEST_DATABASE_URL` (scripts/services.sh); skipped without it outside CI.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use banter_protocol::ext::{Message, MessageKind, ReplyRef};
use banter_protocol::files::FilePart;
use banter_server::accounts::invites;
use banter_server::accounts::pg_store::PgAccountStore;
use banter_server::accounts::sessions::{self, SessionRecord};
use banter_server::accounts::store::{AccountStore, NewAccount, SqliteAccountStore};
use banter_server::dms::pg_store::PgDmStore;
use banter_server::dms::store::{DmRecord, DmStore, SqliteDmStore};
use banter_server::files::pg_store::PgFileTable;
use banter_server::files::store::{FileRecord, FileTable, SqliteFileTable};
use banter_server::membership::pg_store::PgMembershipStore;
use banter_server::membership::store::{MembershipStore, SqliteMembershipStore};
use banter_server::moderation::pg_store::PgModerationStore;
use banter_server::moderation::store::{Act, ModerationStore, SqliteModerationStore, StoredRole};
use banter_server::pg::Pg;
use banter_server::search::pg_store::PgSearchStore;
use banter_server::search::SearchStore;
use banter_server::store::Store;

const T0: i64 = 1_764_000_000_000;
const LOBBY: &str = "lobby";
const QUIET: &str = "quiet";
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$not-a-real-hash";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_banter-server"));
    c.env_remove("BANTER_DATABASE_URL").env_remove("BANTER_DB").env("RUST_LOG", "warn");
    c
}

fn migrate(from: &Path, to: &str) -> Output {
    bin().args(["migrate", "--from"]).arg(from).args(["--to", to]).output().expect("run banter-server migrate")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A SQLite server's file and what the test needs to know of it.
struct Source {
    _dir: tempfile::TempDir,
    db: PathBuf,
    /// ann's session token and its session.
    token: String,
    session: SessionRecord,
    /// An invite for 3 accounts, unused.
    invite: String,
    dm: String,
    file_id: String,
}

fn message(room: &str, seq: u64, username: &str, text: &str) -> Message {
    Message {
        id: format!("{room}-m{seq}"),
        room: room.into(),
        seq,
        username: username.into(),
        kind: MessageKind::Text,
        text: text.into(),
        created_at: T0 + seq as i64 * 1000,
        removed: false,
        edited_at: None,
        reactions: Vec::new(),
        reply_to: None,
        file: None,
    }
}

async fn append(store: &Store, m: Message) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    store.append_then(m, move |ok| {
        let _ = tx.send(ok);
    });
    assert!(rx.await.expect("committed"), "append");
}

/// Writes a server's worth of data through the SQLite stores, as the server would.
async fn make_source() -> Source {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("banter.db");
    let store = Store::open(&db).expect("message store");
    let accounts = SqliteAccountStore::open(&db).expect("accounts");
    let moderation = SqliteModerationStore::open(&db).expect("moderation");
    let membership = SqliteMembershipStore::open(&db).expect("membership");
    let dms = SqliteDmStore::open(&db).expect("dms");
    let files = SqliteFileTable::open(&db).expect("files");

    for (i, (name, admin)) in [("ann", true), ("bob", false), ("cat", false)].into_iter().enumerate() {
        let new = NewAccount { name: name.into(), name_key: name.into(), password_hash: HASH.into(), admin, created_at: T0 + i as i64 };
        let made = accounts.create_account(new, None).unwrap().unwrap();
        assert_eq!(made.id, i as i64 + 1);
    }
    let (token, token_hash) = sessions::new_token().unwrap();
    // used just now: the server run on the copy must not find it idle
    let now = banter_server::metrics::now_ms();
    let session = SessionRecord {
        id: sessions::new_session_id().unwrap(),
        account_id: 1,
        device: "laptop".into(),
        created_at: T0,
        last_used_at: now,
    };
    accounts.create_session(&session, &token_hash).unwrap();
    let (other, other_hash) = sessions::new_token().unwrap();
    let _ = other;
    let bob_session =
        SessionRecord { id: sessions::new_session_id().unwrap(), account_id: 2, device: "phone".into(), created_at: T0, last_used_at: T0 };
    accounts.create_session(&bob_session, &other_hash).unwrap();
    let invite = invites::create(&accounts, 3, "never", T0).unwrap().unwrap().code;

    // lobby: 30 messages, one a location, one with a file, one edited, one answered, one removed
    store.ensure_room(LOBBY, T0);
    let file_id = "0123456789abcdef0123456789abcdef".to_owned();
    for seq in 1..=30u64 {
        let mut m = message(LOBBY, seq, if seq % 2 == 1 { "ann" } else { "bob" }, &format!("hello number {seq}"));
        match seq {
            4 => m.text = "Café au lait at noon?".into(),
            9 => {
                m.kind = MessageKind::Location;
                m.text = "https://maps.example/?q=1,2".into();
            }
            10 => {
                m.reply_to =
                    Some(ReplyRef { id: format!("{LOBBY}-m3"), seq: 0, username: String::new(), excerpt: String::new(), removed: false })
            }
            15 => {
                m.file = Some(FilePart {
                    id: file_id.clone(),
                    name: "notes.txt".into(),
                    size: 12,
                    mime: "text/plain".into(),
                    width: None,
                    height: None,
                    thumb: false,
                    link: String::new(),
                });
                m.text = "notes.txt: /files/0123".into();
            }
            _ => {}
        }
        append(&store, m).await;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    store.edit_then(LOBBY, &format!("{LOBBY}-m5"), "hello number five, edited", T0 + 99_000, move |ok| {
        let _ = tx.send(ok);
    });
    assert!(rx.await.unwrap());
    for (emoji, account) in [("👍", (2, "bob")), ("👍", (3, "cat")), ("🎉", (1, "ann"))] {
        let (tx, rx) = tokio::sync::oneshot::channel();
        store.react_then(LOBBY, 7, emoji, account, true, T0 + 100_000, move |ok| {
            let _ = tx.send(ok);
        });
        assert!(rx.await.unwrap());
    }
    store.ensure_room(QUIET, T0 + 1);
    for seq in 1..=3 {
        append(&store, message(QUIET, seq, "cat", &format!("quiet {seq}"))).await;
    }
    let dm = banter_server::dms::dm_id(&[1, 2]);
    let (made, _) = dms.open(&DmRecord { id: dm.clone(), members: vec![(1, "ann".into()), (2, "bob".into())], created_at: T0 }).unwrap();
    assert_eq!(made.id, dm);
    store.ensure_room(&dm, T0 + 2);
    for seq in 1..=4 {
        append(&store, message(&dm, seq, if seq % 2 == 1 { "ann" } else { "bob" }, &format!("psst {seq}"))).await;
    }
    assert!(dms.block(3, 1, T0 + 3).unwrap());
    store.flush().await;

    let file = FileRecord {
        id: file_id.clone(),
        sha256: "ab".repeat(32),
        room: LOBBY.into(),
        message_id: format!("{LOBBY}-m15"),
        account_id: 1,
        name: "notes.txt".into(),
        mime: "text/plain".into(),
        size: 12,
        width: None,
        height: None,
        thumb_mime: None,
        created_at: T0 + 15_000,
    };
    files.insert(&file, 0).unwrap().unwrap();

    let act =
        |room: &'static str, action: &'static str, target: &'static str| Act { room, by: (1, "ann"), action, target, at: T0 + 200_000 };
    moderation.claim(LOBBY, (1, "ann"), T0).unwrap();
    moderation.set_topic(&act(LOBBY, "topic", "Welcome"), "Welcome").unwrap();
    moderation.set_role(&act(LOBBY, "mod", "bob"), (2, "bob"), StoredRole::Moderator, true).unwrap();
    assert!(moderation.set_ban(&act(LOBBY, "ban", "Eve"), "eve", Some("Eve")).unwrap());
    assert_eq!(moderation.remove_message(&act(LOBBY, "remove", "lobby-m12"), &format!("{LOBBY}-m12")).unwrap(), Some(12));
    moderation.claim(QUIET, (3, "cat"), T0).unwrap();
    let cat = |action: &'static str, target: &'static str| Act { room: QUIET, by: (3, "cat"), action, target, at: T0 + 300_000 };
    moderation.set_private(&cat("private", "on"), true).unwrap();
    moderation.set_role(&cat("member", "ann"), (1, "ann"), StoredRole::Member, true).unwrap();

    membership.join(1, LOBBY, 0, T0).unwrap();
    membership.mark_read(1, LOBBY, 20).unwrap();
    membership.join(2, LOBBY, 0, T0 + 1).unwrap();
    membership.join(3, QUIET, 3, T0 + 2).unwrap();
    membership.join(1, QUIET, 0, T0 + 3).unwrap();

    // the server opens the search index after the message store: it indexes what is there
    drop(banter_server::search::open(&db).expect("search index"));
    // messages of a room without a rooms row (the file may come from any server version)
    let conn = rusqlite::Connection::open(&db).unwrap();
    for seq in 1..=2i64 {
        conn.execute(
            "INSERT INTO messages (room, seq, id, username, kind, text, created_at) VALUES ('old', ?1, ?2, 'bob', 'text', 'from before', ?3)",
            rusqlite::params![seq, format!("old-m{seq}"), T0 + seq],
        )
        .unwrap();
    }
    Source { _dir: dir, db, token, session, invite, dm, file_id }
}

/// Every table's row count, for "nothing changed".
async fn counts(pg: &Pg) -> Vec<(String, i64)> {
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
            .fetch_all(pg.pool())
            .await
            .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{t}\""))).fetch_one(pg.pool()).await.unwrap();
        out.push((t, n));
    }
    out
}

async fn all_messages(store: &Store, room: &str) -> Vec<Message> {
    let (messages, more) = store.history(room, 0, 500).await.unwrap();
    assert!(!more);
    messages
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_server_is_copied_and_reads_back_the_same() {
    let Some(url) = banter_server::pg::testing::database_url().await else { return };
    let src = make_source().await;
    let out = migrate(&src.db, &url);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "migrate failed: {}{}", stdout, text(&out.stderr));
    for line in ["accounts ", "sessions ", "messages ", "reactions ", "moderation_log ", "memberships ", "dms ", "files "] {
        assert!(stdout.lines().any(|l| l.trim_start().starts_with(line)), "{line} in\n{stdout}");
    }
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("messages ") && l.ends_with(" 39 rows")), "{stdout}");
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("rooms ") && l.ends_with(" 4 rows")), "{stdout}");
    assert!(stdout.contains("(rooms: 1 added for messages without a rooms row)"), "{stdout}");
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("reactions ") && l.ends_with(" 3 rows")), "{stdout}");
    assert!(stdout.contains("skipped:"), "{stdout}");
    for skipped in ["message_fts ", "message_fts_ids ", "schema_versions "] {
        assert!(
            stdout.split("skipped:").nth(1).unwrap().lines().any(|l| l.trim_start().starts_with(skipped)),
            "{skipped} skipped in\n{stdout}"
        );
    }

    // the SQLite stores, as the server had them
    let old = Store::open(&src.db).unwrap();
    let old_accounts = SqliteAccountStore::open(&src.db).unwrap();
    let old_moderation = SqliteModerationStore::open(&src.db).unwrap();
    let old_membership = SqliteMembershipStore::open(&src.db).unwrap();
    let old_dms = SqliteDmStore::open(&src.db).unwrap();
    let old_files = SqliteFileTable::open(&src.db).unwrap();
    let old_search = banter_server::search::open(&src.db).unwrap();
    // the PostgreSQL ones
    let pg = Pg::connect(&url).await.unwrap();
    let new = Store::open_pg(&pg).await.unwrap();
    let accounts = PgAccountStore::open(&pg).await.unwrap();
    let moderation = PgModerationStore::open(&pg).await.unwrap();
    let membership = PgMembershipStore::open(&pg).await.unwrap();
    let dms = PgDmStore::open(&pg).await.unwrap();
    let search = PgSearchStore::open(&pg).await.unwrap();
    let files = PgFileTable::open(&pg).await.unwrap();

    // messages, room by room: every field, reactions, replies, edits, the removal, the file
    for (room, n) in [(LOBBY, 30), (QUIET, 3), (src.dm.as_str(), 4), ("old", 2)] {
        let before = all_messages(&old, room).await;
        let after = all_messages(&new, room).await;
        assert_eq!(after.len(), n, "{room}");
        assert_eq!(after, before, "{room}");
        assert_eq!(after.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=n as u64).collect::<Vec<_>>());
        let snapshot = new.snapshot(room, 0).await.unwrap();
        assert_eq!((snapshot.latest_seq, snapshot.stored), (n as u64, true), "{room}: the counter row");
    }
    let lobby = all_messages(&new, LOBBY).await;
    assert_eq!((lobby[4].text.as_str(), lobby[4].edited_at), ("hello number five, edited", Some(T0 + 99_000)));
    let mut reactions: Vec<(&str, usize)> = lobby[6].reactions.iter().map(|r| (r.emoji.as_str(), r.users.len())).collect();
    reactions.sort();
    assert_eq!(reactions, [("🎉", 1), ("👍", 2)]);
    assert_eq!(lobby[9].reply_to.as_ref().map(|r| (r.seq, r.username.as_str())), Some((3, "ann")));
    assert!(lobby[11].removed && lobby[11].text.is_empty());
    assert_eq!(lobby[8].kind, MessageKind::Location);
    assert_eq!(lobby[14].file.as_ref().map(|f| f.id.as_str()), Some(src.file_id.as_str()));

    // accounts and sessions: the old token still finds its session
    for key in ["ann", "bob", "cat"] {
        assert_eq!(accounts.account_by_key(key).unwrap(), old_accounts.account_by_key(key).unwrap(), "{key}");
    }
    assert!(accounts.account_by_key("ann").unwrap().unwrap().admin);
    let hash = sessions::token_hash(&src.token);
    assert_eq!(accounts.session_by_token(&hash).unwrap(), Some(src.session.clone()));
    assert_eq!(accounts.sessions_of(2).unwrap(), old_accounts.sessions_of(2).unwrap());
    // the invite is still good, and the next account id follows the copied ones
    let dan = NewAccount { name: "dan".into(), name_key: "dan".into(), password_hash: HASH.into(), admin: false, created_at: T0 + 9 };
    let dan = accounts.create_account(dan, Some(invites::code_hash(&src.invite))).unwrap().expect("invite and name accepted");
    assert_eq!(dan.id, 4);

    // moderation: settings, roles, bans, the log; the next log entry follows
    for room in [LOBBY, QUIET] {
        assert_eq!(moderation.room(room).unwrap(), old_moderation.room(room).unwrap(), "{room}");
        assert_eq!(moderation.log_of(room, 50).unwrap(), old_moderation.log_of(room, 50).unwrap(), "{room}");
    }
    assert_eq!(moderation.room(LOBBY).unwrap().topic, "Welcome");
    let logged = old_moderation.log_of(LOBBY, 50).unwrap().len();
    moderation.log(&Act { room: LOBBY, by: (1, "ann"), action: "topic", target: "again", at: T0 + 400_000 }).unwrap();
    assert_eq!(moderation.log_of(LOBBY, 50).unwrap().len(), logged + 1);

    // membership, DMs, blocks, files
    for (id, name) in [(1, "ann"), (2, "bob"), (3, "cat")] {
        assert_eq!(membership.rooms_of(id, name).unwrap(), old_membership.rooms_of(id, name).unwrap(), "{name}");
        assert_eq!(dms.dms_of(id).unwrap(), old_dms.dms_of(id).unwrap(), "{name}");
        assert_eq!(dms.blocked_by(id).unwrap(), old_dms.blocked_by(id).unwrap(), "{name}");
    }
    assert_eq!(membership.status(1, "ann", LOBBY).unwrap().map(|s| s.read_seq), Some(20));
    assert_eq!(dms.blocked_by(3).unwrap(), ["ann"]);
    assert_eq!(files.get(&src.file_id).unwrap(), old_files.get(&src.file_id).unwrap());
    assert!(files.get(&src.file_id).unwrap().is_some());
    assert_eq!(files.used_by(1).unwrap(), 12);

    // search finds what SQLite's index found (the snippets' markup differs)
    let q = banter_protocol::search::Query::parse("cafe").unwrap();
    let rooms = [LOBBY.to_owned(), QUIET.to_owned()];
    let hits = |s: &dyn SearchStore| s.search(&q, &rooms, &[], 10).unwrap().into_iter().map(|h| (h.room, h.seq)).collect::<Vec<_>>();
    assert_eq!(hits(&search), hits(old_search.as_ref()));
    assert_eq!(hits(&search), [(LOBBY.to_owned(), 4)]);

    // the database numbers the next message after the copied ones
    let (tx, rx) = tokio::sync::oneshot::channel();
    new.append_numbered(message(LOBBY, 0, "bob", "after the move"), move |r| {
        let _ = tx.send(r);
    });
    let (stored, resent) = rx.await.unwrap().expect("stored");
    assert_eq!((stored.seq, resent), (31, false));

    // the server runs on it and takes ann's old session token
    let server = Server::start(&url);
    let hello = server.handshake(&src.token).expect("the old session signs in");
    assert_eq!(hello.pointer("/account/name").and_then(|v| v.as_str()), Some("ann"), "{hello}");
    assert!(server.handshake("not-a-token-of-this-server-at-all-0000000000").is_err(), "a made-up token is refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_with_rows_is_refused_and_left_as_it_was() {
    let Some(url) = banter_server::pg::testing::database_url().await else { return };
    let src = make_source().await;
    assert!(migrate(&src.db, &url).status.success());
    let pg = Pg::connect(&url).await.unwrap();
    let before = counts(&pg).await;
    let out = migrate(&src.db, &url);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("is not empty") && err.contains("accounts") && err.contains("messages"), "{err}");
    assert_eq!(counts(&pg).await, before);

    // a database holding another application's rows is not touched either
    let Some(url) = banter_server::pg::testing::database_url().await else { return };
    let pg = Pg::connect(&url).await.unwrap();
    sqlx::raw_sql("CREATE TABLE notes (x INTEGER); INSERT INTO notes VALUES (1)").execute(pg.pool()).await.unwrap();
    let out = migrate(&src.db, &url);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("(rows in: notes)"), "{}", text(&out.stderr));
    assert_eq!(counts(&pg).await, [("notes".to_owned(), 1)], "no table was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_row_postgresql_refuses_rolls_everything_back_and_is_named() {
    let Some(url) = banter_server::pg::testing::database_url().await else { return };
    let src = make_source().await;
    // 2 500 more messages (three chunks), one holding a NUL, which PostgreSQL's text cannot
    {
        let conn = rusqlite::Connection::open(&src.db).unwrap();
        conn.execute_batch("BEGIN").unwrap();
        for seq in 31..=2530i64 {
            let text = if seq == 2222 { "bad\0byte".to_owned() } else { format!("filler {seq}") };
            conn.execute(
                "INSERT INTO messages (room, seq, id, username, kind, text, created_at) VALUES ('lobby', ?1, ?2, 'ann', 'text', ?3, ?4)",
                rusqlite::params![seq, format!("filler-{seq}"), text, T0 + seq],
            )
            .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
    }
    let out = migrate(&src.db, &url);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("rolled back"), "{err}");
    assert!(err.contains("copying table messages") && err.contains("room = \"lobby\", seq = 2222"), "{err}");
    let pg = Pg::connect(&url).await.unwrap();
    let left = counts(&pg).await;
    assert!(left.iter().filter(|(t, _)| t != "schema_versions").all(|(_, n)| *n == 0), "every table empty: {left:?}");
    assert!(left.iter().any(|(t, _)| t == "messages"), "the tables stay: {left:?}");
}

#[test]
fn a_missing_or_foreign_file_is_a_clear_error() {
    // checked before PostgreSQL is reached: no database needed
    let dir = tempfile::tempdir().unwrap();
    let to = "postgres://nobody@localhost/none?host=/nonexistent";
    let missing = dir.path().join("missing.db");
    let out = migrate(&missing, to);
    assert!(!out.status.success());
    assert_eq!(text(&out.stderr).trim(), format!("banter-server: --from {}: no such file", missing.display()));
    let not_sqlite = dir.path().join("notes.db");
    std::fs::write(&not_sqlite, "just some text, long enough to be a header of something else entirely\n".repeat(20)).unwrap();
    let err = text(&migrate(&not_sqlite, to).stderr);
    assert!(err.contains("not a SQLite database"), "{err}");
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
    let err = text(&migrate(&other, to).stderr);
    assert!(err.contains("not a banter-server database"), "{err}");
    let out = bin().args(["migrate", "--from"]).arg(&other).args(["--to", "/var/lib/x.db"]).output().unwrap();
    assert!(text(&out.stderr).contains("--to must be a postgres:// URL"), "{}", text(&out.stderr));
    let out = bin().args(["migrate", "--from"]).arg(&other).output().unwrap();
    assert!(text(&out.stderr).contains("migrate needs --to"), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_commands_work_on_postgresql() {
    let Some(url) = banter_server::pg::testing::database_url().await else { return };
    let create = |args: &[&str], password: &str| {
        let mut child = bin()
            .args(["user", "create"])
            .args(args)
            .env("BANTER_DATABASE_URL", &url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = create(&["--admin", "boss"], "correct horse battery");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("created account boss (admin)"));
    let out = create(&["boss"], "another password here");
    assert!(!out.status.success(), "a taken name is refused");
    let out = bin().args(["invite", "create", "--uses", "2", "--database-url", &url]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let code = text(&out.stdout).trim().to_owned();

    let pg = Pg::connect(&url).await.unwrap();
    let accounts = PgAccountStore::open(&pg).await.unwrap();
    let root = accounts.account_by_key("boss").unwrap().expect("the account is in PostgreSQL");
    assert!(root.admin && root.name == "boss");
    assert!(banter_server::accounts::password::verify("correct horse battery", &root.password_hash).unwrap());
    let eve = NewAccount { name: "eve".into(), name_key: "eve".into(), password_hash: HASH.into(), admin: false, created_at: T0 };
    assert!(accounts.create_account(eve, Some(invites::code_hash(&code))).unwrap().is_ok(), "the invite is in PostgreSQL");
    // nothing went to a SQLite file meanwhile: the default --db is never opened
    let arc: Arc<dyn AccountStore> = Arc::new(accounts);
    assert!(arc.account_by_key("eve").unwrap().is_some());
}

/// The server binary on a PostgreSQL database.
struct Server {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(database_url: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut child = bin()
            .args(["--listen", "127.0.0.1:0", "--database-url", database_url, "--files-dir"])
            .arg(dir.path().join("files"))
            .env_remove("BANTER_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn banter-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().rsplit(' ').next().expect("address").to_owned();
        Server { child, url: format!("http://{addr}"), _dir: dir }
    }

    /// Connects with `auth.session = token`; the hello, or why the connection failed.
    fn handshake(&self, token: &str) -> Result<serde_json::Value, String> {
        // the blocking client runs a runtime of its own: not on the test's
        let (url, token) = (self.url.clone(), token.to_owned());
        std::thread::spawn(move || Self::handshake_blocking(&url, &token)).join().map_err(|_| "the client panicked".to_owned())?
    }

    fn handshake_blocking(url: &str, token: &str) -> Result<serde_json::Value, String> {
        use rust_socketio::{ClientBuilder, Event, Payload};
        let (tx, rx) = std::sync::mpsc::channel::<Result<serde_json::Value, String>>();
        let (hello, err) = (tx.clone(), tx);
        let client = ClientBuilder::new(url)
            .auth(serde_json::json!({ "session": token }))
            .reconnect(false)
            .on(banter_protocol::ext::HELLO, move |p, _| {
                if let Payload::Text(args) = p {
                    let _ = hello.send(Ok(args.into_iter().next().unwrap_or_default()));
                }
            })
            .on(Event::Error, move |p, _| {
                let _ = err.send(Err(format!("{p:?}")));
            })
            .connect()
            .map_err(|e| e.to_string())?;
        let got = rx.recv_timeout(Duration::from_secs(10)).map_err(|_| "no hello and no error".to_owned())?;
        let _ = client.disconnect();
        got
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
