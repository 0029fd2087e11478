use iii::prelude::*;

#[iii::function("items.get")]
#[iii::http(path = "items", method = "GET")]
async fn get(Path(id): Path<u64>) -> u64 {
    id
}

fn main() {}
