//! The one thread that writes events: batches from many requests that queue
//! up while a commit is on its way to the disk are stored together in the
//! next transaction (group commit), so that one request's events, or many
//! small requests, cost one wait for the disk between them. Each request
//! still hears only once its own events are durable.

use crate::error::ApiError;
use duly_events::Event;
use duly_store::Appended;
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// How many events one transaction takes at most.
const GROUP_EVENTS: usize = 20_000;

/// What happened to each event of a batch, or why none was stored.
pub type Outcome = Result<Vec<Appended>, ApiError>;

enum Job {
    Append {
        events: Vec<Event>,
        reply: oneshot::Sender<Outcome>,
    },
    Flush(oneshot::Sender<()>),
}

/// The queue to the writer thread.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

/// Called with the ids of the cases that got new events, after each commit.
pub type OnStored = Box<dyn Fn(Vec<String>) + Send>;

impl Writer {
    /// Starts the writer thread.
    pub fn start(
        store: Arc<dyn crate::rules::ServiceStore>,
        on_stored: OnStored,
    ) -> std::io::Result<Writer> {
        let (queue, jobs) = mpsc::channel();
        std::thread::Builder::new()
            .name("duly-writer".into())
            .spawn(move || run(store.as_ref(), &jobs, &on_stored))?;
        Ok(Writer { queue })
    }

    /// Queues a batch; the answer comes once it is durable.
    pub fn append(&self, events: Vec<Event>) -> oneshot::Receiver<Outcome> {
        let (reply, answer) = oneshot::channel();
        if let Err(mpsc::SendError(Job::Append { reply, .. })) =
            self.queue.send(Job::Append { events, reply })
        {
            let _ = reply.send(Err(stopped()));
        }
        answer
    }

    /// Waits, blocking the thread, until every batch queued so far is stored.
    pub fn flush_blocking(&self) {
        let (reply, done) = oneshot::channel();
        if self.queue.send(Job::Flush(reply)).is_ok() {
            let _ = done.blocking_recv();
        }
    }
}

fn stopped() -> ApiError {
    ApiError::internal("the writer has stopped: the service log says why")
}

fn run(store: &dyn crate::rules::ServiceStore, jobs: &mpsc::Receiver<Job>, on_stored: &OnStored) {
    let mut pending: Option<Job> = None;
    loop {
        let first = match pending.take() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        let mut group = match first {
            Job::Flush(reply) => {
                let _ = reply.send(());
                continue;
            }
            Job::Append { events, reply } => vec![(events, reply)],
        };
        let mut size: usize = group.iter().map(|(e, _)| e.len()).sum();
        while size < GROUP_EVENTS {
            match jobs.try_recv() {
                Ok(Job::Append { events, reply }) => {
                    size += events.len();
                    group.push((events, reply));
                }
                Ok(flush) => {
                    // Store what came before the flush first.
                    pending = Some(flush);
                    break;
                }
                Err(_) => break,
            }
        }
        commit(store, group, on_stored);
    }
}

fn commit(
    store: &dyn crate::rules::ServiceStore,
    group: Vec<(Vec<Event>, oneshot::Sender<Outcome>)>,
    on_stored: &OnStored,
) {
    let mut replies = Vec::with_capacity(group.len());
    let mut all: Vec<Event> = Vec::new();
    for (events, reply) in group {
        replies.push((events.len(), reply));
        all.extend(events);
    }
    match store.append(&all) {
        Ok(outcomes) => {
            let mut cases: Vec<String> = all
                .iter()
                .zip(&outcomes)
                .filter(|(_, o)| **o == Appended::Accepted)
                .map(|(e, _)| e.case.clone())
                .collect();
            cases.sort_unstable();
            cases.dedup();
            // Told before the replies, so that whoever hears a reply can
            // count on the timer knowing.
            if !cases.is_empty() {
                on_stored(cases);
            }
            let mut rest = outcomes.into_iter();
            for (len, reply) in replies {
                let mine: Vec<Appended> = rest.by_ref().take(len).collect();
                let _ = reply.send(Ok(mine));
            }
        }
        Err(err) => {
            let answer = ApiError::store(&err);
            for (_, reply) in replies {
                let _ = reply.send(Err(answer.clone()));
            }
        }
    }
}
