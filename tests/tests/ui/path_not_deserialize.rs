use iii::Path;

struct Ids {
    id: u64,
}

// One error, at the extractor: the route check before connecting needs `Deserialize` too, but
// must not report it again.
#[iii::function("items.get")]
#[iii::http(path = "items/:id", method = "GET")]
async fn get(Path(ids): Path<Ids>) -> u64 {
    ids.id
}

fn main() {}
