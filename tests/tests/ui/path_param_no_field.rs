use iii::Path;
use serde::Deserialize;

#[derive(Deserialize)]
struct ItemPath {
    id: u64,
}

#[iii::function("items.get")]
#[iii::http(path = "items/:item_id", method = "GET")]
async fn get(Path(path): Path<ItemPath>) -> u64 {
    path.id
}

fn main() {}
