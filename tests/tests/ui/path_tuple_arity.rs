use iii::Path;

#[iii::function("posts.get")]
#[iii::http(path = "users/:user/posts/:post", method = "GET")]
async fn get(Path((user,)): Path<(u64,)>) -> u64 {
    user
}

fn main() {}
