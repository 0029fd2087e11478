#[iii::function("notes.create")]
#[iii::http(path = "notes", method = "POST")]
async fn create(text: String, request: iii::http::Request<String>) -> String {
    let _ = request;
    text
}

fn main() {}
