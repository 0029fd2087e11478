//! Unit tests of the channel table: ends handed out once, byte room, sweeping.

use bytes::Bytes;

use super::*;

#[test]
fn ends_are_handed_out_once_with_the_right_key() {
    let mut channels = Table::default();
    let c = channels.create(0, None);
    assert_eq!(
        channels.attach(c.id, "wrong", Direction::Read).err(),
        Some(TakeError::NotFound)
    );
    let (read, write) = (c.keys.of(Direction::Read), c.keys.of(Direction::Write));
    assert_ne!(read, write);
    assert_eq!(
        channels.attach(c.id, read, Direction::Write).err(),
        Some(TakeError::NotFound),
        "the reader's key does not open the writer"
    );
    assert!(channels.attach(c.id, read, Direction::Read).is_ok());
    assert_eq!(
        channels.attach(c.id, read, Direction::Read).err(),
        Some(TakeError::Taken)
    );
    assert!(channels.attach(c.id, write, Direction::Write).is_ok());
    assert!(
        channels.map.is_empty(),
        "a fully attached channel is forgotten"
    );
}

#[tokio::test]
async fn a_worker_writer_waits_for_byte_room() {
    use futures_util::FutureExt;
    let mut channels = Table::default();
    let c = channels.create(MAX_BUFFER, None);
    let (Ok(End::Writer(w)), Ok(End::Reader(mut r))) = (
        channels.attach(c.id, c.keys.of(Direction::Write), Direction::Write),
        channels.attach(c.id, c.keys.of(Direction::Read), Direction::Read),
    ) else {
        panic!("both ends");
    };
    let big = Bytes::from(vec![0u8; MAX_BUFFER_BYTES / 2 + 1]);
    assert_eq!(
        w.send(Item::Binary(big.clone())).now_or_never(),
        Some(Ok(()))
    );
    // Items are far below the item limit, but the bytes are over the budget.
    assert_eq!(w.send(Item::Binary(big.clone())).now_or_never(), None);
    assert!(r.recv().await.is_some());
    assert_eq!(
        w.send(Item::Binary(big.clone())).now_or_never(),
        Some(Ok(()))
    );
    // One message larger than the whole budget still goes through, alone.
    drop(r.recv().await);
    let huge = Bytes::from(vec![0u8; MAX_BUFFER_BYTES * 2]);
    assert_eq!(w.send(Item::Binary(huge)).now_or_never(), Some(Ok(())));
    assert_eq!(w.send(Item::Text("x".into())).now_or_never(), None);
}

#[test]
fn sweep_and_release() {
    let mut channels = Table::default();
    let owner = Uuid::new_v4();
    channels.create(1, Some(owner));
    channels.create(1, None);
    channels.map.retain(|_, e| e.owner != Some(owner));
    assert_eq!(channels.map.len(), 1);
    assert_eq!(channels.sweep(Duration::ZERO), 1);
    assert!(channels.map.is_empty());
}

#[test]
fn a_reader_whose_writer_never_came_ends_with_an_error() {
    let mut channels = Table::default();
    let c = channels.create(4, None);
    let key = c.keys.of(Direction::Read).to_owned();
    let Ok(End::Reader(mut rx)) = channels.attach(c.id, &key, Direction::Read) else {
        panic!("the reader attaches");
    };
    assert_eq!(channels.sweep(Duration::ZERO), 1);
    match rx.try_recv().map(|p| p.item) {
        Ok(Item::Aborted(why)) => assert!(why.contains("no writer attached"), "{why}"),
        other => panic!("expected an abort, got {other:?}"),
    }
    assert!(rx.try_recv().is_err(), "then the channel is closed");
}
