use iii::prelude::*;

#[iii::function("items.get")]
#[iii::http(path = "items/:id", method = "GET")]
async fn get(id: Path) -> u64 {
    let _ = id;
    0
}

fn main() {}
