//! The `soundloc` command line tool.
fn main() {}
