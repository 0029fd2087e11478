// On error the function keeps its name, so that its callers still compile.
#[iii::main]
fn serve() {}

fn main() {
    serve();
}
