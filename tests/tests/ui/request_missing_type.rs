use iii::http::Request;

#[iii::function("raw.echo")]
#[iii::http(path = "echo", method = "POST")]
async fn echo(request: Request) -> String {
    let _ = request;
    String::new()
}

fn main() {}
