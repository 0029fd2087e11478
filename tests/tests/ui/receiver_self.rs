struct Adder;

impl Adder {
    #[iii::function("math.add")]
    async fn add(&self, input: i64) -> i64 {
        input
    }
}

fn main() {}
