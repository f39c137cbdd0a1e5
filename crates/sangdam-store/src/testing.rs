//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL database on the server that
//! `SANGDAM_TEST_DATABASE_URL` names. Used by the integration tests of every crate.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::{Result, Store};

/// The environment variable that turns on the PostgreSQL runs of the test suites.
pub const TEST_DATABASE_URL: &str = "SANGDAM_TEST_DATABASE_URL";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A throwaway database and how to reach it.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    /// Keeps a SQLite file's folder alive; `None` for PostgreSQL.
    _dir: Option<tempfile_dir::Dir>,
    postgres: Option<(String, String)>,
}

/// A tiny temporary folder, removed on drop, so that this crate needs no test-only dependency.
mod tempfile_dir {
    #[derive(Debug)]
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn unique_name(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{}", std::process::id(), nanos % 1_000_000_000_000, COUNTER.fetch_add(1, Ordering::Relaxed))
}

impl TestDatabase {
    /// A new SQLite database in its own temporary folder.
    pub fn sqlite() -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(unique_name("sangdam_test"));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite://{}/sangdam.db", dir.display());
        Ok(Self { url, _dir: Some(tempfile_dir::Dir(dir)), postgres: None })
    }

    /// A new, empty PostgreSQL database on the server of `admin_url`.
    pub async fn postgres(admin_url: &str) -> Result<Self> {
        let name = unique_name("sangdam_test");
        let mut admin = PgConnection::connect(admin_url).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
        admin.close().await?;
        let url = replace_database(admin_url, &name);
        Ok(Self { url, _dir: None, postgres: Some((admin_url.to_owned(), name)) })
    }

    /// Opens and migrates the database.
    pub async fn open(&self) -> Result<Store> {
        let store = Store::connect(&self.url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Drops a PostgreSQL test database (SQLite folders go on drop). Call after closing the store.
    pub async fn drop_database(&self) -> Result<()> {
        if let Some((admin_url, name)) = &self.postgres {
            let mut admin = PgConnection::connect(admin_url).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await?;
            admin.close().await?;
        }
        Ok(())
    }
}

/// Puts another database name into a PostgreSQL URL, keeping its query string.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host_part = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(super::replace_database("postgres://127.0.0.1", "x"), "postgres://127.0.0.1/x");
        assert_eq!(super::replace_database("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
    }
}
