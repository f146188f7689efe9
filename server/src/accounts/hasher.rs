//! Password hashing (argon2id, tens of milliseconds of a core and 19 MiB each) on threads of
//! its own at the lowest CPU priority (nice 19), one per core. The chat's threads come
//! first: a burst of sign-ins takes the CPU the chat leaves idle instead of delaying its
//! messages (measured with `banter-bench --scenarios signins`: docs/benchmarks.md), and a
//! sign-in waits a little longer when the machine is busy, which a person does not notice
//! the way they notice a late message. Queued hashes run in arrival order.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use crate::error::ServerError;

type Job = Box<dyn FnOnce() + Send>;

/// The niceness of the hashing threads (19: the lowest priority).
pub const NICE: i32 = 19;

pub struct Hasher {
    tx: Mutex<mpsc::Sender<Job>>,
}

impl Hasher {
    /// `threads` hashing threads (at least one), started now.
    pub fn new(threads: usize) -> Hasher {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("banter-hash-{i}")).spawn(move || {
                lower_priority();
                loop {
                    let job = match rx.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                        Ok(job) => job,
                        Err(_) => return, // the server is shutting down
                    };
                    job();
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password-hashing thread");
            }
        }
        Hasher { tx: Mutex::new(tx) }
    }

    /// Runs `f` on a hashing thread and returns its result.
    pub async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> Result<T, ServerError> + Send + 'static) -> Result<T, ServerError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
        });
        self.tx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| ServerError::Hash("the hashing threads are gone".into()))?;
        result.await.map_err(|_| ServerError::Hash("a hashing thread failed".into()))?
    }
}

/// Sets this thread's niceness to [`NICE`] (Linux: `setpriority` on the thread id sets the
/// thread's own). Raising niceness needs no privilege; if it fails, hashing still works at
/// normal priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on this thread's own id, no memory handed over.
        let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, NICE) };
        if r != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "cannot lower the priority of a hashing thread");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_run_at_the_lowest_priority_in_order() {
        let h = Hasher::new(1);
        #[cfg(target_os = "linux")]
        {
            // SAFETY: as above, a read of this thread's own priority.
            let nice = h.run(|| Ok(unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) })).await.unwrap();
            assert_eq!(nice, NICE);
        }
        let (a, b) = tokio::join!(h.run(|| Ok(1)), h.run(|| Ok(2)));
        assert_eq!((a.unwrap(), b.unwrap()), (1, 2));
        let e = h.run(|| Err::<(), _>(ServerError::Hash("boom".into()))).await.unwrap_err();
        assert!(e.to_string().contains("boom"));
    }
}
