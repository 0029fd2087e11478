#[iii::main]
fn main() {}
