#[iii::main]
struct Worker;

fn main() {}
