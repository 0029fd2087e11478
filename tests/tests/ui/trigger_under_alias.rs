// A trigger written through a `use` alias of the runtime, with no `crate = "…"`, is not taken
// by `#[iii::function]` (it could be another crate's attribute), and then stands alone.
use iii as rt;

#[rt::function("users.list")]
#[rt::http(path = "users", method = "GET")]
async fn list() {}

fn main() {}
