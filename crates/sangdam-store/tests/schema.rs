//! The SQLite and PostgreSQL migrations are written by hand, one folder per backend. After all of
//! them both databases must hold the same tables, each with the same columns of corresponding
//! types and nullability, so that nothing written for one backend quietly differs on the other
//! (a column missing on one side, or an `INTEGER` where the code reads a 64-bit number).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use sangdam_store::Store;
use sangdam_store::testing::{TEST_DATABASE_URL, TestDatabase};
use sqlx::Row;

/// Table → column → (type, NOT NULL).
type Schema = BTreeMap<String, BTreeMap<String, (String, bool)>>;

/// One name for a type as either backend spells it. On SQLite every integer type is stored as a
/// 64-bit integer; a column declared `BIGINT` there is one the code reads as `i64`, so PostgreSQL
/// must have `bigint` (its `integer` is 32 bits), while a SQLite `INTEGER` may be either.
fn class(declared: &str, sqlite: bool) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "text" | "character varying" => "text".into(),
        "integer" | "int" if sqlite => "int (any width)".into(),
        "bigint" => "int64".into(),
        "integer" => "int32".into(),
        "blob" | "bytea" => "bytes".into(),
        "boolean" => "boolean".into(),
        "real" | "double precision" => "float".into(),
        other => other.into(),
    }
}

/// Whether a SQLite column and a PostgreSQL column agree.
fn agree(sqlite: &(String, bool), postgres: &(String, bool)) -> bool {
    sqlite.1 == postgres.1
        && (sqlite.0 == postgres.0 || (sqlite.0 == "int (any width)" && postgres.0.starts_with("int")))
}

async fn schema(store: &Store) -> Schema {
    let mut out = Schema::new();
    match store {
        Store::Sqlite(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for table in tables {
                let rows = sqlx::query(&format!("PRAGMA table_info(\"{table}\")")).fetch_all(pool).await.unwrap();
                let columns = out.entry(table).or_default();
                for r in rows {
                    let name: String = r.get("name");
                    let declared: String = r.get("type");
                    // A primary key column is never NULL on PostgreSQL; SQLite says so only when
                    // it is declared.
                    let not_null = r.get::<i64, _>("notnull") == 1 || r.get::<i64, _>("pk") > 0;
                    columns.insert(name, (class(&declared, true), not_null));
                }
            }
        }
        Store::Postgres(pool) => {
            let rows = sqlx::query(
                "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d, is_nullable::text AS n \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for r in rows {
                let table: String = r.get("t");
                let column: String = r.get("c");
                let declared: String = r.get("d");
                let nullable: String = r.get("n");
                out.entry(table).or_default().insert(column, (class(&declared, false), nullable == "NO"));
            }
        }
    }
    out
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns_after_every_migration() {
    let Ok(admin) = std::env::var(TEST_DATABASE_URL) else {
        eprintln!("skipped: {TEST_DATABASE_URL} is not set, so there is no PostgreSQL to compare with");
        return;
    };
    let lite_db = TestDatabase::sqlite().unwrap();
    let lite = lite_db.open().await.unwrap();
    let pg_db = TestDatabase::postgres(&admin).await.unwrap();
    let pg = pg_db.open().await.unwrap();
    let (a, b) = (schema(&lite).await, schema(&pg).await);
    lite.close().await;
    pg.close().await;
    pg_db.drop_database().await.unwrap();

    let mut differences = Vec::new();
    for table in a.keys().chain(b.keys()).collect::<std::collections::BTreeSet<_>>() {
        match (a.get(table), b.get(table)) {
            (Some(x), Some(y)) => {
                for column in x.keys().chain(y.keys()).collect::<std::collections::BTreeSet<_>>() {
                    match (x.get(column), y.get(column)) {
                        (Some(p), Some(q)) if agree(p, q) => {}
                        (p, q) => differences.push(format!("{table}.{column}: SQLite {p:?}, PostgreSQL {q:?}")),
                    }
                }
            }
            (x, _) => {
                differences.push(format!("table {table} only on {}", if x.is_some() { "SQLite" } else { "PostgreSQL" }))
            }
        }
    }
    assert!(a.len() > 30, "{} tables: the comparison saw the schema", a.len());
    assert!(differences.is_empty(), "the backends' schemas differ:\n{}", differences.join("\n"));
}
