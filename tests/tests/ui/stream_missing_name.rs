#[iii::function("presence.changed")]
#[iii::stream(group = "room-1")]
async fn changed(event: iii::StreamEvent) {
    let _ = event;
}

fn main() {}
