//! Fresh, migrated stores for each backend.

use bb_store::{DatabaseUrl, Store, StoreOptions};

/// A store plus whatever must live as long as it (a temporary folder).
pub struct Fixture {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

async fn migrated(
    url: &DatabaseUrl,
    options: &StoreOptions,
    dir: Option<tempfile::TempDir>,
) -> Fixture {
    let store = Store::connect(url, options)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate {url}: {e:?}"));
    Fixture { store, _dir: dir }
}

pub async fn sqlite_memory() -> Fixture {
    migrated(&DatabaseUrl::SqliteMemory, &StoreOptions::default(), None).await
}

pub async fn sqlite_file() -> Fixture {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let url = DatabaseUrl::SqliteFile(dir.path().join("nested/folder/bluebutton.db"));
    migrated(&url, &StoreOptions::default(), Some(dir)).await
}

pub async fn postgres() -> Fixture {
    postgres_in(&format!("t_{}", uuid::Uuid::new_v4().simple()))
        .await
        .0
}

/// Two stores (two pools, as two server processes would have) on one fresh PostgreSQL
/// schema.
pub async fn postgres_twice() -> (Fixture, Store) {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let (first, url) = postgres_in(&schema).await;
    let options = StoreOptions {
        postgres_schema: Some(schema),
        ..StoreOptions::default()
    };
    let second = Store::connect(&url, &options)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    (first, second)
}

async fn postgres_in(schema: &str) -> (Fixture, DatabaseUrl) {
    let raw = std::env::var("BLUEBUTTON_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("BLUEBUTTON_TEST_POSTGRES_URL is not set: run ./scripts/test, which creates the test database")
    });
    let url = DatabaseUrl::parse(&raw).unwrap_or_else(|e| panic!("{e}"));
    let options = StoreOptions {
        postgres_schema: Some(schema.to_owned()),
        ..StoreOptions::default()
    };
    (migrated(&url, &options, None).await, url)
}
