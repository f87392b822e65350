//! Rebuilds the engine when a migration is added or changed: `sqlx::migrate!` embeds the
//! migrations, but cargo does not know to look at that directory (sqlx's documented remedy).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
