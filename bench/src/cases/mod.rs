//! The load cases: what is called, with which payload, at which concurrency.

pub mod http;
pub mod rpc;

use std::net::SocketAddr;
use std::time::Duration;

use crate::load::{self, Spec};
use crate::payload::Size;
use crate::stats::Stats;
use crate::workers::Impl;

/// The path a case's calls take through the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A worker-to-worker call: driver → engine → worker → engine → driver, over WebSockets.
    Call,
    /// An HTTP request: client → engine HTTP server → worker (WebSocket) → engine → client.
    Http,
    /// The same path with the quickstart's typed `math.add`: `{"a":2,"b":3}` → `{"sum":5}`.
    Add,
}

/// One load case.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// Which path the calls take.
    pub route: Route,
    /// Payload size (the typed route has one payload: [`Size::Small`]).
    pub size: Size,
    /// Calls in flight.
    pub concurrency: usize,
}

impl Case {
    /// A short label for tables, e.g. `call 100 B ×64`, `HTTP add ×1`.
    pub fn label(&self) -> String {
        match self.route {
            Route::Call => format!("call {} ×{}", self.size.label(), self.concurrency),
            Route::Http => format!("HTTP {} ×{}", self.size.label(), self.concurrency),
            Route::Add => format!("HTTP add ×{}", self.concurrency),
        }
    }

    /// Every combination of `routes`, `sizes` and `concurrencies`, in report order (the
    /// typed route once per concurrency, whatever the sizes).
    pub fn matrix(routes: &[Route], sizes: &[Size], concurrencies: &[usize]) -> Vec<Case> {
        let mut cases = Vec::new();
        for &route in routes {
            let sizes = if route == Route::Add {
                &[Size::Small][..]
            } else {
                sizes
            };
            for &size in sizes {
                for &concurrency in concurrencies {
                    cases.push(Case {
                        route,
                        size,
                        concurrency,
                    });
                }
            }
        }
        cases
    }
}

/// What the cases need from the running benchmark.
#[derive(Debug, Clone)]
pub struct Target {
    /// The driver: one iii-rs worker connection that makes the calls.
    pub driver: iii::Worker,
    /// The engine's HTTP trigger server.
    pub http_addr: SocketAddr,
}

/// Checks one answer, then loads `which` with `case` for `warmup` + `window`, calling `probe`
/// when the measurement window opens and closes (see [`load::run`]).
///
/// # Errors
/// When the worker's answer is wrong or the clients cannot connect.
pub async fn run<P>(
    target: &Target,
    which: Impl,
    case: Case,
    (warmup, window): (Duration, Duration),
    probe: impl Fn() -> P,
) -> Result<(Stats, [P; 2]), String> {
    let spec = Spec {
        concurrency: case.concurrency,
        warmup,
        window,
    };
    match case.route {
        Route::Call => {
            rpc::verify(&target.driver, which, case.size).await?;
            let clients = (0..case.concurrency)
                .map(|_| rpc::RpcClient::new(target.driver.clone(), which, case.size))
                .collect();
            Ok(load::run(spec, clients, probe).await)
        }
        Route::Http | Route::Add => {
            let request = if case.route == Route::Add {
                http::verify_add(target.http_addr, which).await?;
                http::Request::add(which)
            } else {
                http::verify_echo(target.http_addr, which, case.size).await?;
                http::Request::echo(which, case.size)
            };
            let mut clients = Vec::with_capacity(case.concurrency);
            for _ in 0..case.concurrency {
                clients.push(http::HttpClient::connect(target.http_addr, request.clone()).await?);
            }
            Ok(load::run(spec, clients, probe).await)
        }
    }
}
