//! The admin commands of the server binary, on the database the server is configured with:
//! the SQLite file of `--db` (it may be running: SQLite serialises the writes), or the
//! PostgreSQL database of `--database-url` / `BANTER_DATABASE_URL`:
//! - `banter-server user create [--admin] NAME`: the password from standard input when it is
//!   not a terminal (one line), else from a prompt that does not echo, asked twice;
//! - `banter-server invite create [--uses N] [--expires DURATION]`: prints the code;
//! - `banter-server migrate --from PATH.db --to postgres://…`: copies a SQLite server's data
//!   into an empty PostgreSQL database (`crate::migrate`).

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use banter_protocol::accounts as wire;
use clap::Subcommand;

use super::invites;
use super::store::{AccountStore, CreateRefused, NewAccount, SqliteAccountStore};
use super::{names, password};
use crate::config::Cli;
use crate::error::ServerError;
use crate::metrics::now_ms;

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage invite codes (for --registration invite).
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Copy a SQLite server's data into an empty PostgreSQL database.
    ///
    /// Accounts and sessions, invites, rooms, messages, reactions, read markers, DMs and
    /// blocks, moderation and the uploads' records, in one transaction; the SQLite file is
    /// only read. Stop the server first. See docs/server.md, "Moving to PostgreSQL".
    Migrate {
        /// The SQLite database file to copy (opened read-only).
        #[arg(long, value_name = "PATH.db")]
        from: PathBuf,
        /// The PostgreSQL database to fill, e.g. `postgres://banter@db.example/banter`; it must
        /// hold no rows yet [default: --database-url / BANTER_DATABASE_URL].
        #[arg(long, value_name = "postgres://…")]
        to: Option<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input when it is not a
    /// terminal, else from a prompt that does not echo.
    Create {
        /// Make the account a server admin.
        #[arg(long)]
        admin: bool,
        /// The account's name (the name it joins rooms with).
        name: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum InviteCommand {
    /// Create an invite code and print it.
    Create {
        /// How many accounts may register with it.
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// How long it is valid: e.g. 30m, 12h, 7d, 2w, or `never`.
        #[arg(long, default_value = invites::DEFAULT_EXPIRY)]
        expires: String,
    },
}

/// Runs an admin command on the database `cli` names; the error is one line for the user.
pub fn run(cmd: AdminCommand, cli: &Cli) -> Result<(), ServerError> {
    if let AdminCommand::Migrate { from, to } = cmd {
        let to = match to {
            Some(url) if crate::pg::is_postgres_url(url.trim()) => url.trim().to_owned(),
            Some(url) => return Err(ServerError::Refused(format!("--to must be a postgres:// URL (got {})", crate::pg::redact(&url)))),
            None => cli.database_url()?.ok_or_else(|| ServerError::Refused("migrate needs --to postgres://… (or BANTER_DATABASE_URL)".into()))?,
        };
        let report = pg_runtime()?.block_on(crate::migrate::run(&from, &to))?;
        println!("{report}");
        return Ok(());
    }
    match cli.database_url()? {
        None => {
            let db = cli.db_path()?;
            run_on(cmd, &|| Ok(Box::new(SqliteAccountStore::open(&db)?)))
        }
        Some(url) => {
            // the PostgreSQL store blocks on its queries from this thread (`Pg::block`)
            let rt = pg_runtime()?;
            run_on(cmd, &|| {
                let store = rt.block_on(async {
                    let pg = crate::pg::Pg::connect(&url).await?;
                    crate::accounts::pg_store::PgAccountStore::open(&pg).await
                })?;
                Ok(Box::new(store))
            })
        }
    }
}

/// The multi-thread runtime the PostgreSQL store needs (`crate::pg`).
fn pg_runtime() -> Result<tokio::runtime::Runtime, ServerError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServerError::Config(format!("cannot start the runtime: {e}")))
}

/// The store, opened once the command's arguments are found good.
type Open<'a> = &'a dyn Fn() -> Result<Box<dyn AccountStore>, ServerError>;

fn run_on(cmd: AdminCommand, open: Open<'_>) -> Result<(), ServerError> {
    match cmd {
        AdminCommand::User(UserCommand::Create { admin, name }) => {
            let name = names::account_name(&name).map_err(ServerError::Refused)?;
            if names::is_reserved(&name) {
                return Err(ServerError::Refused(format!("{name}: {}", wire::ERR_NAME_TAKEN)));
            }
            let store = open()?;
            let key = names::identity_key(&name);
            if store.account_by_key(&key)?.is_some() {
                return Err(ServerError::Refused(format!("{name}: {}", wire::ERR_NAME_TAKEN)));
            }
            let pw = read_password(&name)?;
            if !password::length_ok(&pw) {
                return Err(ServerError::Refused(wire::ERR_PASSWORD_LENGTH.into()));
            }
            let new = NewAccount { name: name.clone(), name_key: key, password_hash: password::hash(&pw)?, admin, created_at: now_ms() };
            match store.create_account(new, None)? {
                Ok(_) => {
                    eprintln!("created account {name}{}", if admin { " (admin)" } else { "" });
                    Ok(())
                }
                Err(CreateRefused::NameTaken | CreateRefused::InviteInvalid) => {
                    Err(ServerError::Refused(format!("{name}: {}", wire::ERR_NAME_TAKEN)))
                }
            }
        }
        AdminCommand::Invite(InviteCommand::Create { uses, expires }) => {
            let store = open()?;
            let made = invites::create(store.as_ref(), uses, &expires, now_ms())?.map_err(ServerError::Refused)?;
            println!("{}", made.code);
            eprintln!(
                "invite for {uses} account{}, {}",
                if uses == 1 { "" } else { "s" },
                if made.expires_at.is_some() { format!("valid for {expires}") } else { "never expires".into() }
            );
            Ok(())
        }
        AdminCommand::Migrate { .. } => Err(ServerError::Refused("migrate runs on its own (see run)".into())),
    }
}

/// The password: standard input's first line when it is not a terminal, else a prompt.
fn read_password(name: &str) -> Result<String, ServerError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut raw = String::new();
        stdin.lock().take(4096).read_to_string(&mut raw)?;
        let line = raw.lines().next().unwrap_or("");
        return Ok(line.to_owned());
    }
    let first = rpassword::prompt_password(format!("Password for {name}: "))?;
    let again = rpassword::prompt_password("Again: ")?;
    if first != again {
        return Err(ServerError::Refused("the passwords differ".into()));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::config::Cli;

    #[test]
    fn admin_commands_and_account_flags_parse() {
        let cli = Cli::try_parse_from(["banter-server", "user", "create", "--admin", "ann", "--db", "/tmp/x.db"]).unwrap();
        assert_eq!(cli.db.as_deref(), Some(std::path::Path::new("/tmp/x.db")));
        assert!(matches!(
            cli.command,
            Some(super::AdminCommand::User(super::UserCommand::Create { admin: true, ref name })) if name == "ann"
        ));
        let cli = Cli::try_parse_from(["banter-server", "invite", "create", "--uses", "3"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(super::AdminCommand::Invite(super::InviteCommand::Create { uses: 3, ref expires })) if expires == "7d"
        ));
        let config = Cli::try_parse_from([
            "banter-server", "--db", "/tmp/x.db", "--registration", "invite", "--guests", "deny", "--session-idle-days", "7",
        ])
        .unwrap()
        .resolve()
        .unwrap();
        assert_eq!(config.accounts.registration, banter_protocol::accounts::Registration::Invite);
        assert!(!config.accounts.guests);
        assert_eq!(config.accounts.session_idle_ms, 7 * super::super::sessions::DAY_MS);
        let defaults = Cli::try_parse_from(["banter-server", "--db", "/tmp/x.db"]).unwrap().resolve().unwrap();
        assert_eq!(defaults.accounts.registration, banter_protocol::accounts::Registration::Open);
        assert!(defaults.accounts.guests);
        assert_eq!(defaults.accounts.session_idle_ms, 30 * super::super::sessions::DAY_MS);
        assert!(Cli::try_parse_from(["banter-server", "--db", "x", "--session-idle-days", "0"]).unwrap().resolve().is_err());
        assert!(Cli::try_parse_from(["banter-server", "--registration", "sometimes"]).is_err());
    }
}

