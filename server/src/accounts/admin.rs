//! The admin commands of the server binary, on the same `--db` as the server (it may be
//! running: SQLite serialises the writes):
//! - `banter-server user create [--admin] NAME`: the password from standard input when it is
//!   not a terminal (one line), else from a prompt that does not echo, asked twice;
//! - `banter-server invite create [--uses N] [--expires DURATION]`: prints the code.

use std::io::{IsTerminal, Read};
use std::path::Path;

use banter_protocol::accounts as wire;
use clap::Subcommand;

use super::invites;
use super::store::{AccountStore, CreateRefused, NewAccount, SqliteAccountStore};
use super::{names, password};
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

/// Runs an admin command; the error is one line for the user.
pub fn run(cmd: AdminCommand, db: &Path) -> Result<(), ServerError> {
    match cmd {
        AdminCommand::User(UserCommand::Create { admin, name }) => {
            let name = names::account_name(&name).map_err(ServerError::Refused)?;
            if names::is_reserved(&name) {
                return Err(ServerError::Refused(format!("{name}: {}", wire::ERR_NAME_TAKEN)));
            }
            let store = SqliteAccountStore::open(db)?;
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
            let store = SqliteAccountStore::open(db)?;
            let made = invites::create(&store, uses, &expires, now_ms())?.map_err(ServerError::Refused)?;
            println!("{}", made.code);
            eprintln!(
                "invite for {uses} account{}, {}",
                if uses == 1 { "" } else { "s" },
                if made.expires_at.is_some() { format!("valid for {expires}") } else { "never expires".into() }
            );
            Ok(())
        }
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

