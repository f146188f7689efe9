//! Accounts and sessions: register and sign in with a name and a password, sessions that
//! sign later handshakes in, invites, and names that are identities on the whole server.
//!
//! | file | job |
//! | --- | --- |
//! | `password.rs` | argon2id hashes (OWASP parameters) |
//! | `sessions.rs` | session tokens (256 random bits, only their SHA-256 kept), idle expiry |
//! | `names.rs` | the identity key of a name (case, width, confusables), reserved names |
//! | `invites.rs` | invite codes, uses and expiry |
//! | `limits.rs` | sign-in attempts per name and per address |
//! | `store.rs` | the [`store::AccountStore`] trait and its SQLite tables |
//! | `pg_store.rs` | the same tables on PostgreSQL |
//! | `handlers.rs` | the `banter:` account events and the handshake's `auth.session` |
//! | `join.rs` | who may join under which name |
//! | `admin.rs` | `banter-server user create` / `invite create` |
//!
//! This file: [`Accounts`], the flows (register, sign in, password change, …) apart from
//! Socket.IO, which `handlers.rs` speaks.

pub mod admin;
pub mod handlers;
pub mod hasher;
pub mod invites;
pub mod join;
pub mod limits;
pub mod names;
pub mod password;
pub mod pg_store;
pub mod sessions;
pub mod store;
#[cfg(test)]
mod store_suite;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use banter_protocol::accounts::{
    self as wire, Account, LoginRequest, RegisterRequest, Registration, SessionInfo, SignedIn,
};
use socketioxide::socket::Sid;

use crate::error::ServerError;
use limits::SignInLimiter;
use sessions::SessionRecord;
use store::{AccountRecord, AccountStore, CreateRefused, NewAccount};

/// Who may register and chat, and how long an unused session lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub registration: Registration,
    pub guests: bool,
    pub session_idle_ms: i64,
    /// The hash of a one-time admin code (`BANTER_ADMIN_CODE`): the first registration that
    /// gives it as its invite creates an admin, whatever `--registration` says.
    pub admin_code: Option<[u8; 32]>,
}

/// The account a socket is signed in as (kept in the socket's extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInAs {
    pub account_id: i64,
    pub name: String,
    pub admin: bool,
    pub created_at: i64,
    /// The session's public id.
    pub session: String,
}

impl SignedInAs {
    pub fn account(&self) -> Account {
        Account { name: self.name.clone(), admin: self.admin, created_at: self.created_at }
    }
}

/// Why a request was refused: words for the client, or a server fault (logged, and the
/// client told to try again).
#[derive(Debug)]
pub enum Refusal {
    Client(String),
    Server(ServerError),
}

impl From<ServerError> for Refusal {
    fn from(e: ServerError) -> Self {
        Refusal::Server(e)
    }
}

fn refuse<T>(reason: &str) -> Result<T, Refusal> {
    Err(Refusal::Client(reason.to_owned()))
}

/// The accounts of one server: the store, the policy, the sign-in limits, and which live
/// sockets use which session (so a revoked session's sockets can be disconnected).
pub struct Accounts {
    store: Arc<dyn AccountStore>,
    pub policy: Policy,
    limiter: Mutex<SignInLimiter>,
    /// The same limits shared with the other nodes (`--redis-url`; cluster/attempts.rs).
    shared_limits: OnceLock<crate::cluster::attempts::SharedAttempts>,
    /// Where hashes run: one low-priority thread per core (each hash takes 19 MiB and a
    /// core for tens of ms).
    hasher: hasher::Hasher,
    live: Mutex<HashMap<String, Vec<Sid>>>,
    /// A hash to verify against for unknown names, so they cost what a wrong password costs.
    dummy_hash: OnceLock<String>,
    /// Whether the one-time admin code has been used.
    admin_code_used: std::sync::atomic::AtomicBool,
}

impl Accounts {
    pub fn new(store: Arc<dyn AccountStore>, policy: Policy) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            store,
            policy,
            limiter: Mutex::new(SignInLimiter::default()),
            shared_limits: OnceLock::new(),
            hasher: hasher::Hasher::new(cores),
            live: Mutex::new(HashMap::new()),
            dummy_hash: OnceLock::new(),
            admin_code_used: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Whether `invite` is the one-time admin code (compared in constant time).
    fn admin_code_matches(&self, invite: Option<&str>) -> bool {
        use subtle::ConstantTimeEq;
        match (self.policy.admin_code, invite) {
            (Some(want), Some(code)) if !code.trim().is_empty() => bool::from(invites::code_hash(code).ct_eq(&want)),
            _ => false,
        }
    }

    pub fn info(&self) -> wire::AccountsInfo {
        wire::AccountsInfo { registration: self.policy.registration, guests: self.policy.guests }
    }

    /// The store, for blocking callers (`block_in_place`, the admin commands).
    pub fn store(&self) -> &dyn AccountStore {
        &*self.store
    }

    /// Shares the sign-in limits with the other nodes of a cluster.
    pub fn share_limits(&self, shared: crate::cluster::attempts::SharedAttempts) {
        let _ = self.shared_limits.set(shared);
    }

    /// Whether the name and address may try to sign in: on this node, and (when shared) in
    /// the cluster's buckets.
    async fn may_sign_in(&self, key: &str, ip: Option<IpAddr>) -> bool {
        if !self.limiter().may_sign_in(key, ip, Instant::now()) {
            return false;
        }
        match self.shared_limits.get() {
            Some(shared) => shared.may_sign_in(key, ip).await.unwrap_or(true),
            None => true,
        }
    }

    /// A failed sign-in, counted here and in the cluster's buckets.
    async fn sign_in_failed(&self, key: &str, ip: Option<IpAddr>) {
        self.limiter().failed(key, ip, Instant::now());
        if let Some(shared) = self.shared_limits.get() {
            shared.failed(key, ip).await;
        }
    }

    fn limiter(&self) -> MutexGuard<'_, SignInLimiter> {
        self.limiter.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn live(&self) -> MutexGuard<'_, HashMap<String, Vec<Sid>>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with the store on tokio's blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn AccountStore) -> Result<T, ServerError> + Send + 'static,
    ) -> Result<T, ServerError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&*store))
            .await
            .map_err(|e| ServerError::StoreIo(format!("accounts task failed: {e}")))?
    }

    /// Runs a password hash or check on the low-priority hashing threads.
    async fn hashing<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, ServerError> + Send + 'static,
    ) -> Result<T, ServerError> {
        self.hasher.run(f).await
    }

    /// Deletes sessions idle for longer than the policy keeps them; returns how many.
    pub async fn purge_idle(&self, now: i64) -> Result<usize, ServerError> {
        let before = now.saturating_sub(self.policy.session_idle_ms);
        self.blocking(move |st| st.delete_idle_sessions(before)).await
    }

    /// `banter:register`: creates the account and a first session.
    pub async fn register(
        &self,
        req: RegisterRequest,
        ip: Option<IpAddr>,
        now: i64,
    ) -> Result<(SignedInAs, SignedIn), Refusal> {
        let as_admin = self.admin_code_matches(req.invite.as_deref());
        match self.policy.registration {
            _ if as_admin => {}
            Registration::Closed => return refuse(wire::ERR_REGISTRATION_CLOSED),
            Registration::Invite if req.invite.as_deref().is_none_or(|c| c.trim().is_empty()) => {
                return refuse(wire::ERR_INVITE_REQUIRED)
            }
            _ => {}
        }
        let name = names::account_name(&req.name).map_err(Refusal::Client)?;
        if names::is_reserved(&name) {
            return refuse(wire::ERR_NAME_TAKEN);
        }
        if !password::length_ok(&req.password) {
            return refuse(wire::ERR_PASSWORD_LENGTH);
        }
        {
            let mut limiter = self.limiter();
            if !limiter.may_try(ip, Instant::now()) {
                return refuse(wire::ERR_TOO_MANY_ATTEMPTS);
            }
            limiter.tried(ip, Instant::now());
        }
        if let Some(shared) = self.shared_limits.get() {
            if shared.may_try(ip).await == Some(false) {
                return refuse(wire::ERR_TOO_MANY_ATTEMPTS);
            }
            shared.tried(ip).await;
        }
        let key = names::identity_key(&name);
        let probe = key.clone();
        if self.blocking(move |st| st.account_by_key(&probe)).await?.is_some() {
            return refuse(wire::ERR_NAME_TAKEN);
        }
        let pw = req.password;
        let password_hash = self.hashing(move || password::hash(&pw)).await?;
        let invite = match self.policy.registration {
            _ if as_admin => None,
            Registration::Invite => req.invite.as_deref().map(invites::code_hash),
            _ => None,
        };
        // The admin code is spent by the first registration that gets this far with it.
        let admin = as_admin && !self.admin_code_used.swap(true, std::sync::atomic::Ordering::SeqCst);
        if as_admin && !admin {
            return refuse(wire::ERR_INVITE_INVALID);
        }
        let new = NewAccount { name, name_key: key, password_hash, admin, created_at: now };
        let account = match self.blocking(move |st| st.create_account(new, invite)).await? {
            Ok(a) => a,
            Err(CreateRefused::NameTaken) => return refuse(wire::ERR_NAME_TAKEN),
            Err(CreateRefused::InviteInvalid) => return refuse(wire::ERR_INVITE_INVALID),
        };
        tracing::info!(account = %account.name, admin, "account registered");
        Ok(self.open_session(&account, req.device.as_deref(), now).await?)
    }

    /// `banter:login`. An unknown name and a wrong password get the same answer, after the
    /// same work.
    pub async fn login(&self, req: LoginRequest, ip: Option<IpAddr>, now: i64) -> Result<(SignedInAs, SignedIn), Refusal> {
        let name = rules_name(&req.name);
        let key = names::identity_key(&name);
        if !self.may_sign_in(&key, ip).await {
            return refuse(wire::ERR_TOO_MANY_ATTEMPTS);
        }
        let probe = key.clone();
        let account = self.blocking(move |st| st.account_by_key(&probe)).await?;
        let ok = if password::length_ok(&req.password) {
            let stored = match &account {
                Some(a) => a.password_hash.clone(),
                None => self.dummy_hash().await?,
            };
            let pw = req.password;
            self.hashing(move || password::verify(&pw, &stored)).await? && account.is_some()
        } else {
            false
        };
        let Some(account) = account.filter(|_| ok) else {
            self.sign_in_failed(&key, ip).await;
            tracing::info!(name = %name, "sign-in refused: wrong name or password");
            return refuse(wire::ERR_WRONG_LOGIN);
        };
        Ok(self.open_session(&account, req.device.as_deref(), now).await?)
    }

    /// Makes the dummy hash ahead of the first sign-in of an unknown name, so that one costs
    /// no more than a wrong password does.
    pub async fn warm_up(&self) {
        if let Err(e) = self.dummy_hash().await {
            tracing::warn!(error = %e, "cannot prepare the sign-in check");
        }
    }

    async fn dummy_hash(&self) -> Result<String, ServerError> {
        if let Some(h) = self.dummy_hash.get() {
            return Ok(h.clone());
        }
        let h = self.hashing(|| password::hash("not a password anyone has")).await?;
        Ok(self.dummy_hash.get_or_init(|| h).clone())
    }

    async fn open_session(
        &self,
        account: &AccountRecord,
        device: Option<&str>,
        now: i64,
    ) -> Result<(SignedInAs, SignedIn), ServerError> {
        let (token, token_hash) = sessions::new_token()?;
        let record = SessionRecord {
            id: sessions::new_session_id()?,
            account_id: account.id,
            device: sessions::device_name(device),
            created_at: now,
            last_used_at: now,
        };
        let stored = record.clone();
        self.blocking(move |st| st.create_session(&stored, &token_hash)).await?;
        tracing::info!(account = %account.name, session = %record.id, device = %record.device, "signed in");
        let me = SignedInAs {
            account_id: account.id,
            name: account.name.clone(),
            admin: account.admin,
            created_at: account.created_at,
            session: record.id.clone(),
        };
        let signed = SignedIn { token, session: record.id, account: me.account() };
        Ok((me, signed))
    }

    /// The handshake's `auth.session`: the account it signs in, or `None` for a token that is
    /// malformed, unknown, revoked or idle too long (an idle one is deleted).
    pub async fn authenticate(&self, token: &str, now: i64) -> Result<Option<SignedInAs>, ServerError> {
        if !sessions::well_formed(token) {
            return Ok(None);
        }
        let hash = sessions::token_hash(token);
        let idle_ms = self.policy.session_idle_ms;
        self.blocking(move |st| {
            let Some(session) = st.session_by_token(&hash)? else { return Ok(None) };
            if sessions::is_idle(session.last_used_at, now, idle_ms) {
                st.delete_session(session.account_id, &session.id)?;
                return Ok(None);
            }
            let Some(account) = st.account_by_id(session.account_id)? else { return Ok(None) };
            if now - session.last_used_at >= sessions::TOUCH_EVERY_MS {
                st.touch_session(&session.id, now)?;
            }
            Ok(Some(SignedInAs {
                account_id: account.id,
                name: account.name,
                admin: account.admin,
                created_at: account.created_at,
                session: session.id,
            }))
        })
        .await
    }

    /// `banter:sessions`.
    pub async fn sessions(&self, me: &SignedInAs) -> Result<Vec<SessionInfo>, ServerError> {
        let (account, current) = (me.account_id, me.session.clone());
        let list = self.blocking(move |st| st.sessions_of(account)).await?;
        Ok(list
            .into_iter()
            .map(|s| SessionInfo {
                current: s.id == current,
                id: s.id,
                device: s.device,
                created_at: s.created_at,
                last_used_at: s.last_used_at,
            })
            .collect())
    }

    /// Ends one of the account's sessions; false when it has none with that id.
    pub async fn revoke(&self, me: &SignedInAs, id: &str) -> Result<bool, ServerError> {
        let (account, id) = (me.account_id, id.to_owned());
        self.blocking(move |st| st.delete_session(account, &id)).await
    }

    /// `banter:password`: checks the old password (counted like a sign-in), stores the new
    /// one and ends every other session of the account; returns their ids.
    pub async fn change_password(
        &self,
        me: &SignedInAs,
        old: String,
        new: String,
        ip: Option<IpAddr>,
    ) -> Result<Vec<String>, Refusal> {
        if !password::length_ok(&new) {
            return refuse(wire::ERR_PASSWORD_LENGTH);
        }
        let key = names::identity_key(&me.name);
        if !self.may_sign_in(&key, ip).await {
            return refuse(wire::ERR_TOO_MANY_ATTEMPTS);
        }
        let id = me.account_id;
        let Some(account) = self.blocking(move |st| st.account_by_id(id)).await? else {
            return refuse(wire::ERR_NOT_SIGNED_IN);
        };
        let stored = account.password_hash;
        let ok = password::length_ok(&old) && self.hashing(move || password::verify(&old, &stored)).await?;
        if !ok {
            self.sign_in_failed(&key, ip).await;
            return refuse(wire::ERR_WRONG_LOGIN);
        }
        let password_hash = self.hashing(move || password::hash(&new)).await?;
        let keep = me.session.clone();
        let revoked = self.blocking(move |st| st.set_password(id, &password_hash, &keep)).await?;
        tracing::info!(account = %me.name, revoked = revoked.len(), "password changed");
        Ok(revoked)
    }

    /// `banter:invite` (the caller checked that an admin asks).
    pub async fn create_invite(
        &self,
        uses: u32,
        expires: String,
        now: i64,
    ) -> Result<Result<wire::InviteCreated, String>, ServerError> {
        self.blocking(move |st| invites::create(st, uses, &expires, now)).await
    }

    /// A live socket signed in with `session`.
    pub fn attach(&self, session: &str, sid: Sid) {
        self.live().entry(session.to_owned()).or_default().push(sid);
    }

    /// The socket is gone or signed out.
    pub fn detach(&self, session: &str, sid: Sid) {
        let mut live = self.live();
        if let Some(sids) = live.get_mut(session) {
            sids.retain(|s| *s != sid);
            if sids.is_empty() {
                live.remove(session);
            }
        }
    }

    /// The live sockets of an ended session (forgotten here).
    pub fn take_sockets(&self, session: &str) -> Vec<Sid> {
        self.live().remove(session).unwrap_or_default()
    }
}

/// Prepares the sign-in check, then deletes idle sessions at start and every hour (they are
/// refused when seen anyway; this keeps the table from growing).
pub async fn housekeeping_forever(st: crate::state::Shared) {
    st.accounts.warm_up().await;
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match st.accounts.purge_idle(crate::metrics::now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "idle sessions expired"),
            Err(e) => tracing::warn!(error = %e, "cannot expire idle sessions"),
        }
    }
}

/// A name as a sign-in compares it: trimmed and lower-cased like room user names.
fn rules_name(raw: &str) -> String {
    banter_protocol::rules::normalise_name(raw)
}

/// Lower-case hex of some bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], ServerError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| ServerError::Hash(format!("no randomness from the OS: {e}")))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts(registration: Registration) -> (tempfile::TempDir, Accounts) {
        let dir = tempfile::tempdir().unwrap();
        let store = store::SqliteAccountStore::open(&dir.path().join("banter.db")).unwrap();
        let policy = Policy { registration, guests: true, session_idle_ms: 30 * sessions::DAY_MS, admin_code: None };
        (dir, Accounts::new(Arc::new(store), policy))
    }

    fn reg(name: &str, password: &str) -> RegisterRequest {
        RegisterRequest { name: name.into(), password: password.into(), invite: None, device: Some("test".into()) }
    }

    fn client_reason<T: std::fmt::Debug>(r: Result<T, Refusal>) -> String {
        match r {
            Err(Refusal::Client(s)) => s,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn register_login_authenticate_and_expire() {
        let (_d, a) = accounts(Registration::Open);
        let (me, signed) = a.register(reg("Ann", "password1"), None, 1_000).await.unwrap();
        assert_eq!(me.name, "ann");
        assert_eq!(signed.account.name, "ann");
        let back = a.authenticate(&signed.token, 2_000).await.unwrap().unwrap();
        assert_eq!(back, me);
        assert_eq!(client_reason(a.register(reg("\u{430}nn", "password2"), None, 1).await), wire::ERR_NAME_TAKEN);
        assert_eq!(client_reason(a.register(reg("admin", "password2"), None, 1).await), wire::ERR_NAME_TAKEN);
        assert_eq!(client_reason(a.register(reg("bob", "short"), None, 1).await), wire::ERR_PASSWORD_LENGTH);
        // unknown name and wrong password: the same answer
        let wrong = LoginRequest { name: "ann".into(), password: "password2".into(), device: None };
        let unknown = LoginRequest { name: "nobody".into(), password: "password1".into(), device: None };
        assert_eq!(client_reason(a.login(wrong, None, 3_000).await), wire::ERR_WRONG_LOGIN);
        assert_eq!(client_reason(a.login(unknown, None, 3_000).await), wire::ERR_WRONG_LOGIN);
        let ok = LoginRequest { name: " ANN ".into(), password: "password1".into(), device: None };
        let (second, _) = a.login(ok, None, 4_000).await.unwrap();
        assert_ne!(second.session, me.session);
        assert_eq!(a.sessions(&me).await.unwrap().len(), 2);
        // idle for longer than the policy: refused and deleted
        let late = 2_000 + a.policy.session_idle_ms + 1;
        assert_eq!(a.authenticate(&signed.token, late).await.unwrap(), None);
        assert_eq!(a.authenticate(&signed.token, 2_500).await.unwrap(), None);
        assert_eq!(a.authenticate("not-a-token", 0).await.unwrap(), None);
    }

    #[tokio::test]
    async fn password_change_ends_the_other_sessions() {
        let (_d, a) = accounts(Registration::Open);
        let (me, first) = a.register(reg("ann", "password1"), None, 1).await.unwrap();
        let login = LoginRequest { name: "ann".into(), password: "password1".into(), device: None };
        let (_, other) = a.login(login, None, 2).await.unwrap();
        let refused = a.change_password(&me, "nope-nope".into(), "password2".into(), None).await;
        assert_eq!(client_reason(refused), wire::ERR_WRONG_LOGIN);
        let revoked = a.change_password(&me, "password1".into(), "password2".into(), None).await.unwrap();
        assert_eq!(revoked, [other.session.as_str()]);
        assert!(a.authenticate(&other.token, 3).await.unwrap().is_none());
        assert!(a.authenticate(&first.token, 3).await.unwrap().is_some());
        let login = LoginRequest { name: "ann".into(), password: "password2".into(), device: None };
        assert!(a.login(login, None, 4).await.is_ok());
    }

    #[tokio::test]
    async fn the_one_time_admin_code_makes_the_first_account_admin_whatever_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = store::SqliteAccountStore::open(&dir.path().join("banter.db")).unwrap();
        let code = "0123456789abcdef0123456789abcdef";
        let policy = Policy {
            registration: Registration::Closed,
            guests: true,
            session_idle_ms: sessions::DAY_MS,
            admin_code: Some(invites::code_hash(code)),
        };
        let a = Accounts::new(Arc::new(store), policy);
        let with = |name: &str, invite: &str| RegisterRequest { invite: Some(invite.into()), ..reg(name, "password1") };
        assert_eq!(client_reason(a.register(reg("eve", "password1"), None, 1).await), wire::ERR_REGISTRATION_CLOSED);
        assert_eq!(client_reason(a.register(with("eve", "0123456789abcdef0123456789abcdeX"), None, 1).await), wire::ERR_REGISTRATION_CLOSED);
        let (me, _) = a.register(with("ann", &code.to_uppercase()), None, 1).await.unwrap();
        assert!(me.admin, "the code's account is an admin");
        assert_eq!(client_reason(a.register(with("mallory", code), None, 2).await), wire::ERR_INVITE_INVALID, "spent");
    }

    #[tokio::test]
    async fn registration_modes() {
        let (_d, closed) = accounts(Registration::Closed);
        assert_eq!(client_reason(closed.register(reg("ann", "password1"), None, 1).await), wire::ERR_REGISTRATION_CLOSED);
        let (_d2, invite) = accounts(Registration::Invite);
        assert_eq!(client_reason(invite.register(reg("ann", "password1"), None, 1).await), wire::ERR_INVITE_REQUIRED);
        let (code, hash) = invites::new_code().unwrap();
        invite.store().create_invite(&hash, &invites::InviteRecord { uses_left: 1, expires_at: None }, 0).unwrap();
        let with = |name: &str, code: &str| RegisterRequest { invite: Some(code.into()), ..reg(name, "password1") };
        assert!(invite.register(with("ann", &code), None, 1).await.is_ok());
        assert_eq!(client_reason(invite.register(with("bob", &code), None, 1).await), wire::ERR_INVITE_INVALID);
    }
}
