//! `banter-cli account register|login|logout|sessions`: accounts on a Banter server. The
//! password is read from stdin when it is not a terminal (its first line), else from a
//! no-echo prompt; the session token goes to the keyring, keyed by server and account, and
//! is never printed.

use std::io::{BufRead, IsTerminal, Write};

use banter_client::{time, Client, ClientConfig, ClientError, ServerAccess, ServerUrl, Session, SessionToken};
use chrono::Local;

use crate::{exit, token};

/// What every `account` command takes.
#[derive(clap::Args)]
pub struct AccountArgs {
    /// Server URL (http:// or https://).
    #[arg(long)]
    pub server: String,
    /// The account's name.
    #[arg(long)]
    pub name: String,
    /// The server's access token, when it has one (default: the token stored for it).
    #[arg(long)]
    pub token: Option<String>,
    /// Trust this SHA-256 certificate fingerprint for this (https) server only: for a
    /// self-signed or private-CA certificate, as the error that refused it showed.
    #[arg(long, value_name = "SHA256")]
    pub trust_fingerprint: Option<String>,
}

#[derive(clap::Subcommand)]
pub enum AccountAction {
    /// Create an account and sign in (password on stdin or a prompt, asked twice).
    Register {
        #[command(flatten)]
        args: AccountArgs,
        /// An invite code, for servers that register by invite only.
        #[arg(long)]
        invite: Option<String>,
        /// A name for this session, shown in `sessions`.
        #[arg(long)]
        device: Option<String>,
    },
    /// Sign in (password on stdin or a prompt); the session is stored in the keyring.
    Login {
        #[command(flatten)]
        args: AccountArgs,
        /// A name for this session, shown in `sessions`.
        #[arg(long)]
        device: Option<String>,
    },
    /// End the stored session on the server and remove it from the keyring.
    Logout {
        #[command(flatten)]
        args: AccountArgs,
    },
    /// List the account's sessions.
    Sessions {
        #[command(flatten)]
        args: AccountArgs,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Block an account: its DMs and messages are hidden for this one.
    Block {
        #[command(flatten)]
        args: AccountArgs,
        /// The account to block.
        #[arg(long)]
        user: String,
    },
    /// Unblock an account.
    Unblock {
        #[command(flatten)]
        args: AccountArgs,
        #[arg(long)]
        user: String,
    },
    /// List the accounts this one blocks, one per line.
    Blocks {
        #[command(flatten)]
        args: AccountArgs,
    },
}

/// The exit code for an error.
pub(crate) fn code_of(e: &ClientError) -> u8 {
    match e {
        ClientError::KeyringUnavailable(_) | ClientError::Keyring(_) => exit::KEYRING,
        ClientError::InvalidUrl { .. } | ClientError::InvalidInput(_) => exit::USAGE,
        ClientError::NameTaken { .. }
        | ClientError::WrongLogin
        | ClientError::TooManyAttempts
        | ClientError::RegistrationClosed
        | ClientError::InviteRequired
        | ClientError::InviteInvalid
        | ClientError::SessionInvalid { .. }
        | ClientError::NoSuchSession
        | ClientError::NotABanterServer { .. }
        | ClientError::AccountsUnsupported { .. }
        | ClientError::AccountRefused(_) => exit::ACCOUNT,
        _ => exit::CONNECT,
    }
}

/// One line on stderr in plain words.
pub(crate) fn fail(e: &ClientError) -> u8 {
    eprintln!("banter-cli: {}", e.summary());
    crate::trust_hint(e);
    code_of(e)
}

pub async fn run(action: AccountAction) -> u8 {
    match action {
        AccountAction::Register { args, invite, device } => {
            sign_in(&args, true, invite.as_deref(), device.as_deref()).await
        }
        AccountAction::Login { args, device } => sign_in(&args, false, None, device.as_deref()).await,
        AccountAction::Logout { args } => logout(&args).await,
        AccountAction::Sessions { args, json } => sessions(&args, json).await,
        AccountAction::Block { args, user } => blocking(&args, Some((&user, true))).await,
        AccountAction::Unblock { args, user } => blocking(&args, Some((&user, false))).await,
        AccountAction::Blocks { args } => blocking(&args, None).await,
    }
}

/// The server, its access (the given or stored access token) and a client for the calls.
pub(crate) async fn prepare(args: &AccountArgs) -> Result<(ServerUrl, ServerAccess, Client), ClientError> {
    let server = ServerUrl::parse(&args.server)?;
    let token = match args.token.clone() {
        Some(t) => Some(t),
        None => {
            let s = server.clone();
            tokio::task::spawn_blocking(move || token::store().get(&s))
                .await
                .ok()
                .and_then(Result::ok)
                .flatten()
        }
    };
    // The account calls keep nothing on disk.
    let (client, _events) = Client::new(ClientConfig::new(std::env::temp_dir().join("banter-cli")));
    crate::trust(&client, server.as_str(), args.trust_fingerprint.as_deref())?;
    let access = ServerAccess::new(server.as_str()).token(token);
    Ok((server, access, client))
}

/// Keyring calls are blocking: off the async threads.
async fn keyring<T: Send + 'static>(
    f: impl FnOnce(banter_client::CredentialStore) -> Result<T, ClientError> + Send + 'static,
) -> Result<T, ClientError> {
    tokio::task::spawn_blocking(move || f(token::store()))
        .await
        .map_err(|e| ClientError::Keyring(e.to_string()))?
}

pub(crate) async fn stored_session(server: &ServerUrl, name: &str) -> Result<Option<SessionToken>, ClientError> {
    let (s, n) = (server.clone(), name.to_owned());
    keyring(move |store| store.get_session(&s, &n)).await
}

async fn sign_in(args: &AccountArgs, register: bool, invite: Option<&str>, device: Option<&str>) -> u8 {
    let (server, access, client) = match prepare(args).await {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let password = match read_password(&args.name, register) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("banter-cli: {why}");
            return exit::USAGE;
        }
    };
    let device = device.unwrap_or("banter-cli");
    let result = if register {
        client.register(&access, &args.name, &password, invite, Some(device)).await
    } else {
        client.login(&access, &args.name, &password, Some(device)).await
    };
    drop(password);
    let session: Session = match result {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let name = session.account.name.clone();
    // A session this one replaces in the keyring would be held by no one: end it.
    let replaced = stored_session(&server, &name).await.ok().flatten();
    let (s, n, t) = (server.clone(), name.clone(), session.token.clone());
    if let Err(e) = keyring(move |store| store.set_session(&s, &n, &t)).await {
        // Not kept anywhere: end it rather than leave it signed in for no one.
        let _ = client.logout(&access, &session.token).await;
        return fail(&e);
    }
    if let Some(old) = replaced.filter(|old| *old != session.token) {
        let _ = client.logout(&access, &old).await;
    }
    let what = if register { "registered and signed in" } else { "signed in" };
    eprintln!("{what} as {name} on {server}; the session is stored in the keyring");
    0
}

async fn logout(args: &AccountArgs) -> u8 {
    let (server, access, client) = match prepare(args).await {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let name = banter_protocol::rules::normalise_name(&args.name);
    let session = match stored_session(&server, &name).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            eprintln!("no session was stored for {name} on {server}");
            return 0;
        }
        Err(e) => return fail(&e),
    };
    let note = match client.logout(&access, &session).await {
        Ok(()) => "signed out",
        // ended already (signed out elsewhere, revoked, expired): only the keyring is left
        Err(ClientError::SessionInvalid { .. }) => "the session had already ended; removed",
        // the server could not be asked: keep the token, so that logout can be tried again
        Err(e) => return fail(&e),
    };
    let (s, n) = (server.clone(), name.clone());
    if let Err(e) = keyring(move |store| store.clear_session(&s, &n)).await {
        return fail(&e);
    }
    eprintln!("{note}: {name} on {server}");
    0
}

/// What a call with the stored session needs.
pub(crate) struct SignedIn {
    pub server: ServerUrl,
    pub access: ServerAccess,
    pub client: Client,
    /// The account's name, normalised.
    pub name: String,
    pub session: SessionToken,
}

/// The server, access, client and the session stored for `args.name`; otherwise the exit
/// code, the reason said in one line (not signed in: `exit::ACCOUNT`).
pub(crate) async fn signed_in(args: &AccountArgs) -> Result<SignedIn, u8> {
    let (server, access, client) = prepare(args).await.map_err(|e| fail(&e))?;
    let name = banter_protocol::rules::normalise_name(&args.name);
    match stored_session(&server, &name).await {
        Ok(Some(session)) => Ok(SignedIn { server, access, client, name, session }),
        Ok(None) => {
            eprintln!("banter-cli: not signed in as {name} on {server} (banter-cli account login first)");
            Err(exit::ACCOUNT)
        }
        Err(e) => Err(fail(&e)),
    }
}

/// `block`, `unblock` (`Some((name, on))`) or `blocks` (`None`) with the stored session.
async fn blocking(args: &AccountArgs, change: Option<(&str, bool)>) -> u8 {
    let SignedIn { access, client, session, .. } = match signed_in(args).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let result = match change {
        Some((user, true)) => client.block(&access, &session, user).await.map(|()| eprintln!("banter-cli: {user} is blocked")),
        Some((user, false)) => client.unblock(&access, &session, user).await.map(|()| eprintln!("banter-cli: {user} is no longer blocked")),
        None => client.blocks(&access, &session).await.map(|names| names.iter().for_each(|n| println!("{n}"))),
    };
    match result {
        Ok(()) => 0,
        Err(e) => fail(&e),
    }
}

async fn sessions(args: &AccountArgs, json: bool) -> u8 {
    let SignedIn { server, access, client, name, session } = match signed_in(args).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let list = match client.sessions(&access, &session).await {
        Ok(l) => l,
        Err(e) => {
            if matches!(e, ClientError::SessionInvalid { .. }) {
                let (s, n) = (server.clone(), name.clone());
                let _ = keyring(move |store| store.clear_session(&s, &n)).await;
            }
            return fail(&e);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for s in &list {
        let created = time::rfc3339(s.created_at, &Local).unwrap_or_default();
        let used = time::rfc3339(s.last_used_at, &Local).unwrap_or_default();
        let line = if json {
            serde_json::json!({
                "type": "session",
                "id": s.id,
                "device": s.device,
                "current": s.current,
                "created_at": s.created_at,
                "last_used_at": s.last_used_at,
                "created": created,
                "last_used": used,
            })
            .to_string()
        } else {
            let mark = if s.current { "*" } else { " " };
            let this = if s.current { "  (this one)" } else { "" };
            format!("{mark} {}  {}  last used {used}  created {created}{this}", s.id, s.device)
        };
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    0
}

/// The password: the first line of stdin when it is not a terminal, else a no-echo prompt
/// (twice when registering).
fn read_password(name: &str, confirm: bool) -> Result<String, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {name}: "))
            .map_err(|e| format!("cannot read the password: {e}"))?;
        if confirm {
            let again = rpassword::prompt_password("Again: ").map_err(|e| format!("cannot read the password: {e}"))?;
            if again != first {
                return Err("the two passwords differ".into());
            }
        }
        Ok(first)
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            return Err("no password on stdin".into());
        }
        Ok(password)
    }
}
