use iii::Path;

// A single value takes one route parameter; a struct's fields are checked before connecting.
#[iii::function("items.get")]
#[iii::http(path = "items/:item_id/:version", method = "GET")]
async fn get(Path(id): Path<u64>) -> u64 {
    id
}

fn main() {}
