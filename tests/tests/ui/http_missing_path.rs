#[iii::function("users.create")]
#[iii::http(method = "POST")]
async fn create(user: serde_json::Value) {
    let _ = user;
}

fn main() {}
