//! Rebuild when a migration changes: `sqlx::migrate!` embeds the files at compile time.
//! Prints only; reads and fetches nothing.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
