#[iii::function("danger.run")]
async unsafe fn run(input: i64) -> i64 {
    input
}

fn main() {}
