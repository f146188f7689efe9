//! Direct messages on a Banter server (`docs/protocol.md` § 10), for a signed-in account.
//!
//! A DM is a room of the server's under a reserved id (`dm:` and 24 hex digits), the same for
//! the same set of accounts. [`Client::open_dm`] finds that id (one short-lived connection
//! asking `banter:dm-open {with}`, which also creates the DM the first time), then starts an
//! ordinary room subscription on it whose connect step sends `banter:dm-open {dm, since}`
//! instead of `join`. Everything else is the room machinery: [`Client::send`],
//! [`Client::retry`], [`Client::set_typing`], [`Client::history_before`] and
//! [`Client::leave`] take the DM id as the room; its events carry the DM id as their `room`;
//! the outbox, ids and dedupe, acks, reconnects with catch-up (`since`) are the rooms'.

use banter_protocol::dms::{self, DmOpen, DmOpened};
use banter_protocol::AckReply;
use serde::Serialize;
use std::time::Duration;

use crate::accounts::{Link, ServerAccess, SessionToken};
use crate::error::{ClientError, Result};
use crate::room::{check_dm_id, dm_refusal};
use crate::url::ServerUrl;
use crate::{Client, JoinInfo, JoinOptions};

/// What [`Client::open_dm`] needs: the server, the signed-in session, and either the other
/// members' account names (`with`) or an existing DM's id (`dm`).
#[derive(Debug, Clone)]
pub struct DmOptions {
    pub server: String,
    /// The server's access token (`--token`), if it has one.
    pub token: Option<String>,
    /// The account's session; without one, `not_signed_in`.
    pub session: Option<SessionToken>,
    /// The other members (1 to 7 account names, any case).
    pub with: Vec<String>,
    /// An existing DM's id, instead of `with`.
    pub dm: Option<String>,
    /// As [`JoinOptions::retry_unreachable`], for the subscription's first connect.
    pub retry_unreachable: Option<Duration>,
}

impl DmOptions {
    /// The DM of the session's account and the accounts named in `with`.
    pub fn with(server: &str, session: Option<SessionToken>, with: &[&str]) -> Self {
        DmOptions {
            server: server.to_owned(),
            token: None,
            session,
            with: with.iter().map(|w| (*w).to_owned()).collect(),
            dm: None,
            retry_unreachable: None,
        }
    }

    /// An existing DM by its id.
    pub fn id(server: &str, session: Option<SessionToken>, dm: &str) -> Self {
        DmOptions { dm: Some(dm.to_owned()), with: Vec::new(), ..DmOptions::with(server, session, &[]) }
    }

    pub fn token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }
}

/// An open DM subscription.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DmJoined {
    /// The DM's id: the `room` of its events and of the calls that name it.
    pub dm: String,
    /// Its members' account names, sorted (this account's included).
    pub members: Vec<String>,
    /// True when this open created the DM.
    pub created: bool,
    /// The subscription, as [`Client::join`] returns it (`room` is the DM id, `users` the
    /// members).
    pub info: JoinInfo,
}

impl Client {
    /// Opens (creating it the first time) the DM with the accounts of `opts.with`, or the DM
    /// `opts.dm`, and subscribes to it. Errors: `not_signed_in` (no session),
    /// `session_invalid`, `no_such_account` (a name that is no account: guests cannot be
    /// written to), `no_such_dm` (an id this account is no member of, or none at all),
    /// `dm_refused` (the server's words: blocked, more than 8 members, too many new rooms),
    /// `dms_unsupported`, `not_a_banter_server`, `already_joined`, and connection errors.
    pub async fn open_dm(&self, opts: DmOptions) -> Result<DmJoined> {
        let server = ServerUrl::parse(&opts.server)?;
        let Some(session) = opts.session.clone() else {
            return Err(ClientError::NotSignedIn { server: server.to_string() });
        };
        if opts.with.is_empty() && opts.dm.is_none() {
            return Err(ClientError::InvalidInput(dms::ERR_NOBODY.to_owned()));
        }
        if opts.with.len() >= dms::MAX_MEMBERS {
            return Err(ClientError::InvalidInput(dms::ERR_TOO_MANY.to_owned()));
        }
        let at = ServerAccess::new(&opts.server).token(opts.token.clone());
        let mut link = Link::open(self, &at, Some(&session)).await?;
        if !link.hello.features.iter().any(|f| f == dms::FEATURE) {
            link.close().await;
            return Err(ClientError::DmsUnsupported { server: server.to_string() });
        }
        let account = link.hello.account.as_ref().map(|a| a.name.clone());
        let request = DmOpen {
            with: (!opts.with.is_empty()).then(|| opts.with.clone()),
            dm: opts.dm.clone(),
            since: None,
        };
        let payload = serde_json::to_value(request).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        let answer = link.request(dms::DM_OPEN, payload).await;
        link.close().await;
        let answer = answer?;
        let opened: DmOpened = match answer.reply {
            AckReply::OkWith(v) => serde_json::from_value(v)
                .map_err(|e| ClientError::Protocol(format!("the banter:dm-open answer is not a DmOpened: {e}")))?,
            AckReply::Refused(reason) => return Err(dm_refusal(&answer.server, &reason)),
            AckReply::Ok => return Err(ClientError::Protocol("banter:dm-open was answered without data".into())),
            AckReply::Malformed(d) => return Err(ClientError::Protocol(d)),
        };
        check_dm_id(&opened.dm)?;
        let Some(account) = account else {
            // signed in, the server greets the socket with its account
            return Err(ClientError::NotSignedIn { server: server.to_string() });
        };
        let mut join = JoinOptions::new(&opts.server, &opened.dm, &account)
            .token(opts.token)
            .session(Some(session));
        join.retry_unreachable = opts.retry_unreachable;
        let info = self.subscribe(join, true).await?;
        Ok(DmJoined { dm: opened.dm, members: opened.members, created: opened.created, info })
    }
}
