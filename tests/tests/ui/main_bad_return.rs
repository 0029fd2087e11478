#[iii::main]
async fn main() -> u16 {
    3111
}
