#[iii::function("counter.get")]
async fn get(state: iii::State) -> u64 {
    let _ = state;
    0
}

fn main() {}
