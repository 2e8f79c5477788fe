// `embed_migrations!` reads migrations/ at compile time, but cargo does not know it
// does: without this, a new migration is left out of the binary until some source
// file changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
