//! Opens every store of the server on the database it is configured with: the SQLite file
//! (`--db`, the default, zero setup) or PostgreSQL (`--database-url`, shared by several
//! nodes). The rest of the server sees only the store handles and traits.

use std::sync::Arc;

use crate::accounts::store::AccountStore;
use crate::config::Config;
use crate::dms::store::DmStore;
use crate::error::ServerError;
use crate::membership::store::MembershipStore;
use crate::moderation::store::ModerationStore;
use crate::pg::Pg;
use crate::search::SearchStore;
use crate::store::Store;

/// The server's stores, all on one database.
pub struct Stores {
    pub messages: Store,
    pub accounts: Arc<dyn AccountStore>,
    pub moderation: Arc<dyn ModerationStore>,
    pub membership: Arc<dyn MembershipStore>,
    pub dms: Arc<dyn DmStore>,
    pub search: Arc<dyn SearchStore>,
    pub files: crate::files::Files,
}

/// Opens (and migrates) the stores. The order matters for the SQLite file's tables, which
/// refer to each other: messages, accounts, moderation, membership, DMs, search, files.
pub async fn open(config: &Config) -> Result<Stores, ServerError> {
    match &config.database_url {
        None => open_sqlite(config),
        Some(url) => open_postgres(config, &Pg::connect(url).await?).await,
    }
}

fn open_sqlite(config: &Config) -> Result<Stores, ServerError> {
    let path = &config.db_path;
    let messages = Store::open(path)?;
    let accounts: Arc<dyn AccountStore> = Arc::new(crate::accounts::store::SqliteAccountStore::open(path)?);
    let moderation: Arc<dyn ModerationStore> = Arc::new(crate::moderation::store::SqliteModerationStore::open(path)?);
    let membership: Arc<dyn MembershipStore> = Arc::new(crate::membership::store::SqliteMembershipStore::open(path)?);
    let dms: Arc<dyn DmStore> = Arc::new(crate::dms::store::SqliteDmStore::open(path)?);
    // After the message store: its triggers watch the messages table.
    let search = crate::search::open(path)?;
    // After the message store: the uploads' lookups read the messages table.
    let files = crate::files::Files::open(&config.files, path)?;
    Ok(Stores { messages, accounts, moderation, membership, dms, search, files })
}

async fn open_postgres(config: &Config, pg: &Pg) -> Result<Stores, ServerError> {
    let messages = Store::open_pg(pg).await?;
    let accounts: Arc<dyn AccountStore> = Arc::new(crate::accounts::pg_store::PgAccountStore::open(pg).await?);
    let moderation: Arc<dyn ModerationStore> = Arc::new(crate::moderation::pg_store::PgModerationStore::open(pg).await?);
    let membership: Arc<dyn MembershipStore> = Arc::new(crate::membership::pg_store::PgMembershipStore::open(pg).await?);
    let dms: Arc<dyn DmStore> = Arc::new(crate::dms::pg_store::PgDmStore::open(pg).await?);
    let search: Arc<dyn SearchStore> = Arc::new(crate::search::pg_store::PgSearchStore::open(pg).await?);
    let files = crate::files::Files::open_pg(&config.files, pg).await?;
    Ok(Stores { messages, accounts, moderation, membership, dms, search, files })
}
