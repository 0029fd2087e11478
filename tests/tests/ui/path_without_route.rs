use iii::Path;

#[iii::function("items.get")]
async fn get(Path(id): Path<u64>) -> u64 {
    id
}

fn main() {}
