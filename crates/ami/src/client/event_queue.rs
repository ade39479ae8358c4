//! The session stream's fan-out: one bounded queue that the socket task
//! publishes into and every [`EventStream`] reads from, each at its own pace.
//!
//! It owns delivery only: order, the capacity bound, `Lagged` on overflow
//! and waking readers. It never blocks the publisher: a full queue drops its
//! oldest item. Both sides work in batches: the socket task publishes all
//! events of one read under one lock with one wake-up, and a reader moves
//! everything waiting for it into a small buffer of its own under one lock,
//! so a busy PBX costs one synchronisation per burst, not one per event.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

use super::state::SessionEvent;

/// The most items a reader moves into its own buffer per lock: bounds what
/// it holds beyond the queue's capacity.
const READ_BATCH: usize = 256;

/// The queue shared by the publisher and every subscriber.
#[derive(Debug)]
pub(crate) struct EventQueue {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Items not yet read by every subscriber; `items[0]` has sequence `head`.
    items: VecDeque<SessionEvent>,
    head: u64,
    capacity: usize,
    /// Each subscriber's next sequence number and waker, by subscriber id;
    /// `None` once that subscriber is gone.
    readers: Vec<Option<Reader>>,
    /// The publisher is gone: nothing more will come.
    closed: bool,
}

#[derive(Debug)]
struct Reader {
    next: u64,
    waker: Option<Waker>,
}

impl Inner {
    fn tail(&self) -> u64 {
        self.head + self.items.len() as u64
    }

    /// Drops the items every subscriber has read.
    fn trim(&mut self) {
        let oldest_wanted = self
            .readers
            .iter()
            .flatten()
            .map(|r| r.next)
            .min()
            .unwrap_or_else(|| self.tail());
        while self.head < oldest_wanted && self.items.pop_front().is_some() {
            self.head += 1;
        }
    }
}

impl EventQueue {
    /// A queue holding at most `capacity` unread items (at least one).
    pub(crate) fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                items: VecDeque::new(),
                head: 0,
                capacity: capacity.max(1),
                readers: Vec::new(),
                closed: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves the queue
        // consistent (every edit is a push or pop), so carry on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes `items` in order, dropping the oldest items beyond the
    /// capacity, and wakes every waiting subscriber once. With no
    /// subscriber the items are simply not wanted.
    pub(crate) fn publish(&self, items: impl IntoIterator<Item = SessionEvent>) {
        let wakers: Vec<Waker> = {
            let mut q = self.lock();
            if q.readers.iter().all(Option::is_none) {
                return;
            }
            for item in items {
                if q.items.len() == q.capacity {
                    q.items.pop_front();
                    q.head += 1;
                }
                q.items.push_back(item);
            }
            q.readers
                .iter_mut()
                .flatten()
                .filter_map(|r| r.waker.take())
                .collect()
        };
        for w in wakers {
            w.wake();
        }
    }

    /// Marks the end of the stream: subscribers read what is left, then `None`.
    pub(crate) fn close(&self) {
        let wakers: Vec<Waker> = {
            let mut q = self.lock();
            q.closed = true;
            q.readers
                .iter_mut()
                .flatten()
                .filter_map(|r| r.waker.take())
                .collect()
        };
        for w in wakers {
            w.wake();
        }
    }

    /// A new subscriber that sees everything published from now on.
    pub(crate) fn subscribe(self: &Arc<Self>) -> EventStream {
        let id = {
            let mut q = self.lock();
            let reader = Reader {
                next: q.tail(),
                waker: None,
            };
            match q.readers.iter().position(Option::is_none) {
                Some(i) => {
                    q.readers[i] = Some(reader);
                    i
                }
                None => {
                    q.readers.push(Some(reader));
                    q.readers.len() - 1
                }
            }
        };
        EventStream {
            queue: self.clone(),
            id,
            ready: VecDeque::new(),
        }
    }
}

/// A subscription to the session stream: events nobody's action was waiting
/// for, plus `Connected`/`Disconnected` markers and `Lagged` overflow
/// notices, in order.
///
/// Each subscriber has its own bounded buffer
/// ([`ClientConfig::event_capacity`](crate::ClientConfig::event_capacity)).
/// A subscriber that falls behind loses the oldest events and then receives
/// [`SessionEvent::Lagged`] with the count, so it can resynchronise; the
/// socket is never held up for it.
#[derive(Debug)]
pub struct EventStream {
    queue: Arc<EventQueue>,
    id: usize,
    /// Items already taken from the queue, in order: at most [`READ_BATCH`].
    ready: VecDeque<SessionEvent>,
}

/// What [`EventStream::refill`] found.
enum Refill {
    Ready,
    Empty,
    Closed,
}

impl EventStream {
    /// The next item; `None` once the client has shut down and every item
    /// was read.
    pub async fn recv(&mut self) -> Option<SessionEvent> {
        poll_fn(|cx| {
            if let Some(item) = self.ready.pop_front() {
                return Poll::Ready(Some(item));
            }
            match self.refill(Some(cx.waker())) {
                Refill::Ready => Poll::Ready(self.ready.pop_front()),
                Refill::Empty => Poll::Pending,
                Refill::Closed => Poll::Ready(None),
            }
        })
        .await
    }

    /// The next item if one is ready now.
    pub fn try_recv(&mut self) -> Option<SessionEvent> {
        if self.ready.is_empty() {
            self.refill(None);
        }
        self.ready.pop_front()
    }

    /// How many items were published since this subscriber last read,
    /// counting those it already lost to overflow (only the newest
    /// `event_capacity` of them are actually held).
    pub fn unread(&self) -> usize {
        let q = self.queue.lock();
        let behind = q.readers[self.id]
            .as_ref()
            .map_or(0, |r| q.tail().saturating_sub(r.next));
        self.ready.len() + usize::try_from(behind).unwrap_or(usize::MAX)
    }

    /// Moves what waits for this subscriber into `ready`, a `Lagged` notice
    /// first if it lost items. With nothing waiting, leaves `waker` to be
    /// woken by the next publish.
    fn refill(&mut self, waker: Option<&Waker>) -> Refill {
        let mut q = self.queue.lock();
        let q = &mut *q;
        let (head, tail, closed) = (q.head, q.tail(), q.closed);
        // Whether any other subscriber still needs the oldest items: if
        // not, this one can take them instead of copying.
        let others_next = q
            .readers
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.id)
            .filter_map(|(_, r)| r.as_ref().map(|r| r.next))
            .min()
            .unwrap_or(u64::MAX);
        let Some(me) = q.readers[self.id].as_mut() else {
            return Refill::Closed;
        };
        if me.next < head {
            self.ready.push_back(SessionEvent::Lagged(head - me.next));
            me.next = head;
        }
        let take = (tail - me.next).min(READ_BATCH as u64);
        if take == 0 {
            if !self.ready.is_empty() {
                return Refill::Ready;
            }
            if closed {
                return Refill::Closed;
            }
            if let Some(w) = waker {
                match &mut me.waker {
                    Some(old) if old.will_wake(w) => {}
                    slot => *slot = Some(w.clone()),
                }
            }
            return Refill::Empty;
        }
        let from = me.next;
        me.next += take;
        if from == head && others_next >= from + take {
            // Nobody else needs these: move them out.
            self.ready.extend(q.items.drain(..take as usize));
            q.head += take;
        } else {
            let start = (from - head) as usize;
            self.ready
                .extend(q.items.range(start..start + take as usize).cloned());
            q.trim();
        }
        Refill::Ready
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        let mut q = self.queue.lock();
        q.readers[self.id] = None;
        q.trim();
    }
}

/// The publisher's end: closes the stream when the socket task stops.
#[derive(Debug)]
pub(crate) struct EventSender {
    queue: Arc<EventQueue>,
}

impl EventSender {
    pub(crate) fn new(queue: Arc<EventQueue>) -> Self {
        Self { queue }
    }

    /// Publishes one item.
    pub(crate) fn send(&self, item: SessionEvent) {
        self.queue.publish(std::iter::once(item));
    }

    /// Publishes items in order, with one wake-up for all of them.
    pub(crate) fn send_all(&self, items: impl IntoIterator<Item = SessionEvent>) {
        self.queue.publish(items);
    }
}

impl Drop for EventSender {
    fn drop(&mut self) {
        self.queue.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(n: u64) -> SessionEvent {
        SessionEvent::Lagged(n + 1000)
    }

    fn drain(s: &mut EventStream) -> Vec<SessionEvent> {
        std::iter::from_fn(|| s.try_recv()).collect()
    }

    #[test]
    fn batches_keep_order_across_reads() {
        let q = EventQueue::new(4096);
        let tx = EventSender::new(q.clone());
        let mut s = q.subscribe();
        tx.send_all((0..600).map(marker));
        tx.send(marker(600));
        let got = drain(&mut s);
        let want: Vec<_> = (0..=600).map(marker).collect();
        assert_eq!(
            got, want,
            "every item, in publish order, though read in batches of {READ_BATCH}"
        );
        assert_eq!(
            q.lock().items.len(),
            0,
            "items every subscriber read are freed"
        );
    }

    #[test]
    fn overflow_drops_the_oldest_and_says_how_many() {
        let q = EventQueue::new(10);
        let tx = EventSender::new(q.clone());
        let mut s = q.subscribe();
        tx.send_all((0..25).map(marker));
        assert_eq!(s.unread(), 25, "unread counts the lost items too");
        let got = drain(&mut s);
        let mut want = vec![SessionEvent::Lagged(15)];
        want.extend((15..25).map(marker));
        assert_eq!(
            got, want,
            "Lagged with the count first, then the newest `capacity` items in order"
        );
        assert!(
            q.lock().items.len() <= 10,
            "the queue never holds more than its capacity"
        );
    }

    #[test]
    fn each_subscriber_reads_at_its_own_pace() {
        let q = EventQueue::new(8);
        let tx = EventSender::new(q.clone());
        let mut fast = q.subscribe();
        let mut slow = q.subscribe();
        let mut fast_got = Vec::new();
        for i in 0..20 {
            tx.send(marker(i));
            fast_got.extend(drain(&mut fast));
        }
        assert_eq!(
            fast_got,
            (0..20).map(marker).collect::<Vec<_>>(),
            "a reader that keeps up loses nothing"
        );
        let mut want = vec![SessionEvent::Lagged(12)];
        want.extend((12..20).map(marker));
        assert_eq!(
            drain(&mut slow),
            want,
            "the slow reader lags without disturbing the fast one"
        );
        drop(slow);
        assert_eq!(
            q.lock().items.len(),
            0,
            "nothing is kept for readers that are gone"
        );
    }

    #[test]
    fn a_late_subscriber_sees_only_later_items_and_the_end() {
        let q = EventQueue::new(8);
        let tx = EventSender::new(q.clone());
        let mut early = q.subscribe();
        tx.send(marker(1));
        let mut late = q.subscribe();
        tx.send(marker(2));
        drop(tx);
        assert_eq!(
            drain(&mut early),
            [marker(1), marker(2)],
            "the early reader sees both"
        );
        assert_eq!(
            drain(&mut late),
            [marker(2)],
            "the late reader starts at its subscription"
        );
        let ended = futures::executor::block_on(late.recv());
        assert_eq!(
            ended, None,
            "after the publisher is gone and all is read, the stream ends"
        );
    }

    #[tokio::test]
    async fn a_waiting_reader_is_woken_by_a_batch() {
        let q = EventQueue::new(8);
        let tx = EventSender::new(q.clone());
        let mut s = q.subscribe();
        let reader = tokio::spawn(async move {
            let first = s.recv().await;
            let second = s.recv().await;
            (first, second)
        });
        tokio::task::yield_now().await;
        tx.send_all([marker(1), marker(2)]);
        let got = reader.await.expect("reader task joins");
        assert_eq!(
            got,
            (Some(marker(1)), Some(marker(2))),
            "woken once, it reads the whole batch in order"
        );
    }
}
