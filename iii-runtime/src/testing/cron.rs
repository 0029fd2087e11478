//! [`Cron`]: a function's cron trigger fired now by the in-process test engine
//! (`EngineHandle::fire_cron`), with the payload a scheduled tick carries, and waited for.

use super::app::TestApp;
use super::error::KitError;
use super::fire::HANDLED_WITHIN;
use crate::typed_call::TypedFunction;

/// A function's cron trigger, fired on demand: `t.cron::<nightly>().fire().await`.
#[derive(Debug, Clone, Copy)]
#[must_use = "fire() fires it"]
pub struct Cron<'a> {
    app: &'a TestApp,
    function_id: &'a str,
}

impl Cron<'_> {
    /// Fires every cron binding of the function now, with the payload the engine sends on a
    /// tick ([`CronTick`](crate::CronTick)), and waits until the function has run.
    ///
    /// Only the in-process test engine can do this.
    ///
    /// # Errors
    /// [`KitError::OnlyTestEngine`] against `III_TEST_URL`, [`KitError::NoHandler`] when the
    /// function has no cron trigger, [`KitError::Handler`] with its error when it failed.
    pub async fn fire(self) -> Result<(), KitError> {
        let engine = self.app.own_engine("firing a cron trigger now")?;
        let seen = self.app.recorder().count(self.function_id);
        let fired = engine.fire_cron(self.function_id).await;
        if fired == 0 {
            return Err(KitError::NoHandler(format!(
                "a cron tick of {} (it has no cron trigger)",
                self.function_id
            )));
        }
        for n in 0..fired {
            self.app
                .recorder()
                .next_after(self.function_id, seen + n, HANDLED_WITHIN)
                .await?
                .map_err(|error| KitError::Handler {
                    function_id: self.function_id.to_owned(),
                    error,
                })?;
        }
        Ok(())
    }
}

impl TestApp {
    /// The cron trigger of function `F`, to [fire](Cron::fire) now.
    pub fn cron<F: TypedFunction>(&self) -> Cron<'_> {
        self.cron_id(F::ID)
    }

    /// [`cron`](TestApp::cron) by function id.
    pub fn cron_id<'a>(&'a self, function_id: &'a str) -> Cron<'a> {
        Cron {
            app: self,
            function_id,
        }
    }
}
