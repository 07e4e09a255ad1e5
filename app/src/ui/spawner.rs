//! The executor that runs what Leptos spawns on the server: tokio, as `leptos_axum` would set
//! up, plus one thing it lacks. Rendering code can hold back the tasks that a piece of setup
//! spawns ([`hold_spawns`]) and hand them over once it has prepared their owner, so that no
//! worker thread can start one of them half way through that setup.
//!
//! Why: `leptos_i18n` gives its language context an effect whose task is spawned while the context
//! is created. The server pauses that effect's owner right after (`ui::server_language`), but an
//! idle worker could take the task in between, pass its "paused?" check, and read the page's
//! language after a busy server had finished and dropped the page: a panic ("already been
//! disposed"). With the task held back until the pause, its first turn always sees the pause.

use any_spawner::{CustomExecutor, Executor, PinnedFuture, PinnedLocalFuture};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    /// The tasks held back by the innermost [`hold_spawns`] running on this thread.
    static HELD: RefCell<Option<Vec<PinnedFuture<()>>>> = const { RefCell::new(None) };
}

/// Whether this process's Leptos tasks go through [`Spawner`] (see [`install`]).
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Leptos's executor on the server: spawns each task with `run`, unless this thread is in
/// [`hold_spawns`].
pub struct Spawner {
    run: fn(PinnedFuture<()>),
}

impl Spawner {
    /// Spawns with `run` (the server uses tokio; a test may keep the tasks to drive them itself).
    pub const fn new(run: fn(PinnedFuture<()>)) -> Self {
        Self { run }
    }
}

impl CustomExecutor for Spawner {
    fn spawn(&self, fut: PinnedFuture<()>) {
        let fut = HELD.with_borrow_mut(|held| match held {
            Some(held) => {
                held.push(fut);
                None
            }
            None => Some(fut),
        });
        if let Some(fut) = fut {
            (self.run)(fut);
        }
    }

    fn spawn_local(&self, fut: PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut);
    }

    fn poll_local(&self) {}
}

/// Makes `spawner` the process's executor for Leptos tasks; call it before Leptos spawns anything
/// (`leptos_axum` installs plain tokio on its first use otherwise). Later calls change nothing.
/// Returns whether Leptos's tasks go through a [`Spawner`].
pub fn install(spawner: Spawner) -> bool {
    if Executor::init_custom_executor(spawner).is_ok() {
        INSTALLED.store(true, Ordering::SeqCst);
    }
    INSTALLED.load(Ordering::SeqCst)
}

/// Runs `setup`, holding back the tasks it spawns; they start once `release` has run. Without
/// [`install`] the tasks start as they are spawned, as in plain Leptos.
pub fn hold_spawns<T>(setup: impl FnOnce() -> T, release: impl FnOnce()) -> T {
    /// Gives the thread back its outer hold (none, mostly) when the hold ends, even if `setup`
    /// panics, so that a failed render cannot leave the worker holding every later task.
    struct Hold(Option<Vec<PinnedFuture<()>>>);
    impl Drop for Hold {
        fn drop(&mut self) {
            let outer = self.0.take();
            HELD.with_borrow_mut(|held| *held = outer);
        }
    }

    let hold = Hold(HELD.with_borrow_mut(|held| held.replace(Vec::new())));
    let value = setup();
    let held = HELD.with_borrow_mut(Option::take).unwrap_or_default();
    drop(hold);
    release();
    for task in held {
        Executor::spawn(task);
    }
    value
}

/// The server's [`Spawner`]: tokio.
pub fn tokio_spawner() -> Spawner {
    Spawner::new(|fut| {
        tokio::spawn(fut);
    })
}
