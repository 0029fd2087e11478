#[iii::function("math.add")]
struct Add;

fn main() {}
