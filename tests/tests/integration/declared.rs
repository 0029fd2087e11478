//! The app of the functions this binary declares with `#[iii::function]` (in `skeleton`,
//! `macros_typed` and `error_types`). A test app registers every declared function of the
//! program, whichever module starts it, so the states they take are given here, once.

use iii::App;
use iii::testing::TestApp;

use crate::macros_typed::Counter;

/// The app serving the declared functions, with the states they take.
pub(crate) fn app() -> App {
    App::new().name("declared").state(Counter::default())
}

/// [`app`] served on an engine of its own, ready.
pub(crate) async fn start() -> TestApp {
    TestApp::new(app()).await
}
