#[iii::function("ffi.add")]
extern "C" fn add(input: i64) -> i64 {
    input
}

fn main() {}
