//! The PostgreSQL [`ModerationStore`]: room settings, roles, bans and the moderation log
//! (component `moderation`) beside the accounts tables they refer to and the message tables
//! whose messages a removal blanks. Each change and its log entry are one transaction.

use banter_protocol::rooms::LogEntry;
use sqlx::{PgConnection, Postgres, Transaction};

use super::store::{Act, ModerationStore, RoomRecord, StoredRole};
use crate::error::ServerError;
use crate::pg::Pg;

/// Migration `i` takes the moderation schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["
CREATE TABLE room_settings (
    room       TEXT PRIMARY KEY,
    owner_id   BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    topic      TEXT NOT NULL DEFAULT '',
    private    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE TABLE room_roles (
    room       TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    PRIMARY KEY (room, account_id, role)
);
CREATE TABLE room_bans (
    room       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    name       TEXT NOT NULL,
    by_id      BIGINT,
    at         BIGINT NOT NULL,
    PRIMARY KEY (room, name_key)
);
CREATE TABLE moderation_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room     TEXT NOT NULL,
    at       BIGINT NOT NULL,
    by_id    BIGINT,
    by_name  TEXT NOT NULL,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX moderation_log_by_room ON moderation_log(room, id);
"];

const COMPONENT: &str = "moderation";

pub struct PgModerationStore {
    pg: Pg,
}

impl PgModerationStore {
    /// Opens the store; the accounts tables must exist (the accounts store opens first).
    pub async fn open(pg: &Pg) -> Result<Self, ServerError> {
        pg.migrate(COMPONENT, MIGRATIONS).await?;
        Ok(Self { pg: pg.clone() })
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>, ServerError> {
        Ok(self.pg.pool().begin().await?)
    }
}

async fn log_in(c: &mut PgConnection, act: &Act<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO moderation_log (room, at, by_id, by_name, action, target) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(act.room)
        .bind(act.at)
        .bind(act.by.0)
        .bind(act.by.1)
        .bind(act.action)
        .bind(act.target)
        .execute(c)
        .await?;
    Ok(())
}

/// The settings row, created when missing (a room a guest created has none until changed).
async fn ensure_row(c: &mut PgConnection, room: &str, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO room_settings (room, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(room)
        .bind(at)
        .execute(c)
        .await?;
    Ok(())
}

impl ModerationStore for PgModerationStore {
    fn room(&self, room: &str) -> Result<RoomRecord, ServerError> {
        let pool = self.pg.pool();
        self.pg.block(async {
            let mut rec = RoomRecord::default();
            let row: Option<(Option<i64>, Option<String>, String, bool)> = sqlx::query_as(
                "SELECT s.owner_id, a.name, s.topic, s.private FROM room_settings s
                 LEFT JOIN accounts a ON a.id = s.owner_id WHERE s.room = $1",
            )
            .bind(room)
            .fetch_optional(pool)
            .await?;
            if let Some((owner_id, owner_name, topic, private)) = row {
                rec.owner = owner_id.zip(owner_name);
                rec.topic = topic;
                rec.private = private;
            }
            let roles: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT r.account_id, a.name, r.role FROM room_roles r JOIN accounts a ON a.id = r.account_id WHERE r.room = $1",
            )
            .bind(room)
            .fetch_all(pool)
            .await?;
            for (id, name, role) in roles {
                if role == StoredRole::Moderator.as_str() {
                    rec.moderators.insert(id, name);
                } else {
                    rec.members.insert(id, name);
                }
            }
            let bans: Vec<(String, String)> =
                sqlx::query_as("SELECT name_key, name FROM room_bans WHERE room = $1").bind(room).fetch_all(pool).await?;
            rec.bans.extend(bans);
            Ok(rec)
        })
    }

    fn claim(&self, room: &str, owner: (i64, &str), at: i64) -> Result<(), ServerError> {
        self.pg.block(async {
            let mut tx = self.begin().await?;
            ensure_row(&mut tx, room, at).await?;
            // a claim racing another waits on the row, then finds it owned
            let n = sqlx::query("UPDATE room_settings SET owner_id = $2 WHERE room = $1 AND owner_id IS NULL")
                .bind(room)
                .bind(owner.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                log_in(&mut tx, &Act { room, by: owner, action: "create", target: "", at }).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn set_topic(&self, act: &Act<'_>, topic: &str) -> Result<(), ServerError> {
        self.pg.block(async {
            let mut tx = self.begin().await?;
            ensure_row(&mut tx, act.room, act.at).await?;
            sqlx::query("UPDATE room_settings SET topic = $2 WHERE room = $1").bind(act.room).bind(topic).execute(&mut *tx).await?;
            log_in(&mut tx, act).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn set_private(&self, act: &Act<'_>, private: bool) -> Result<(), ServerError> {
        self.pg.block(async {
            let mut tx = self.begin().await?;
            ensure_row(&mut tx, act.room, act.at).await?;
            sqlx::query("UPDATE room_settings SET private = $2 WHERE room = $1").bind(act.room).bind(private).execute(&mut *tx).await?;
            log_in(&mut tx, act).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn set_role(&self, act: &Act<'_>, account: (i64, &str), role: StoredRole, on: bool) -> Result<(), ServerError> {
        let sql = if on {
            "INSERT INTO room_roles (room, account_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM room_roles WHERE room = $1 AND account_id = $2 AND role = $3"
        };
        self.pg.block(async {
            let mut tx = self.begin().await?;
            sqlx::query(sql).bind(act.room).bind(account.0).bind(role.as_str()).execute(&mut *tx).await?;
            log_in(&mut tx, act).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn set_ban(&self, act: &Act<'_>, name_key: &str, name: Option<&str>) -> Result<bool, ServerError> {
        self.pg.block(async {
            let mut tx = self.begin().await?;
            let changed = match name {
                Some(name) => {
                    sqlx::query(
                        "INSERT INTO room_bans (room, name_key, name, by_id, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    )
                    .bind(act.room)
                    .bind(name_key)
                    .bind(name)
                    .bind(act.by.0)
                    .bind(act.at)
                    .execute(&mut *tx)
                    .await?
                }
                None => {
                    sqlx::query("DELETE FROM room_bans WHERE room = $1 AND name_key = $2")
                        .bind(act.room)
                        .bind(name_key)
                        .execute(&mut *tx)
                        .await?
                }
            }
            .rows_affected()
                > 0;
            if changed {
                log_in(&mut tx, act).await?;
            }
            tx.commit().await?;
            Ok(changed)
        })
    }

    fn remove_message(&self, act: &Act<'_>, id: &str) -> Result<Option<u64>, ServerError> {
        self.pg.block(async {
            let mut tx = self.begin().await?;
            let seq: Option<i64> = sqlx::query_scalar("UPDATE messages SET text = '', kind = $3 WHERE room = $1 AND id = $2 RETURNING seq")
                .bind(act.room)
                .bind(id)
                .bind(super::REMOVED_KIND)
                .fetch_optional(&mut *tx)
                .await?;
            if seq.is_some() {
                log_in(&mut tx, act).await?;
            }
            tx.commit().await?;
            Ok(seq.map(crate::pg::to_u64))
        })
    }

    fn log(&self, act: &Act<'_>) -> Result<(), ServerError> {
        self.pg.block(async {
            let mut c = self.pg.pool().acquire().await?;
            Ok(log_in(&mut c, act).await?)
        })
    }

    fn log_of(&self, room: &str, limit: u32) -> Result<Vec<LogEntry>, ServerError> {
        let q = sqlx::query_as("SELECT at, by_name, action, target FROM moderation_log WHERE room = $1 ORDER BY id DESC LIMIT $2")
            .bind(room)
            .bind(i64::from(limit));
        let rows: Vec<(i64, String, String, String)> = self.pg.block(q.fetch_all(self.pg.pool()))?;
        Ok(rows.into_iter().map(|(at, by, action, target)| LogEntry { at, by, action, target }).collect())
    }
}
