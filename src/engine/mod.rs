//! The discrete-event core: virtual time, the event queue, the seeded RNG and bounded runs.
//!
//! The engine only delivers events in `(at, seq)` order; it knows nothing about Kubernetes.
//! Every run is bounded by explicit [`RunLimits`] and ends with a [`RunEnd`] that says why.

pub mod queue;
pub mod rng;
pub mod time;

use std::fmt;

pub use queue::EventQueue;
pub use rng::SimRng;
pub use time::{SimDuration, SimTime};

/// Explicit bounds on a run. Every run has both; running out is a reported outcome, not a hang.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLimits {
    /// The most events one run may handle.
    pub steps_max: u64,
    /// Events due after this instant are left in the queue.
    pub time_max: SimTime,
}

impl Default for RunLimits {
    /// One million steps and one virtual day.
    fn default() -> Self {
        RunLimits {
            steps_max: 1_000_000,
            time_max: SimTime::from_ms(24 * 3_600_000),
        }
    }
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The queue is empty: nothing more will ever happen.
    Idle {
        /// The virtual time of the last event handled.
        at: SimTime,
    },
    /// The handler asked to stop.
    Stopped {
        /// When it stopped.
        at: SimTime,
    },
    /// `steps_max` events were handled and more are pending.
    StepLimit {
        /// Steps handled in this run.
        steps: u64,
        /// Virtual time when the limit hit.
        at: SimTime,
        /// Events still queued.
        pending: usize,
    },
    /// The next event is due after `time_max`.
    TimeLimit {
        /// The limit.
        limit: SimTime,
        /// When the next event is due.
        next: SimTime,
        /// Events still queued.
        pending: usize,
    },
}

impl fmt::Display for RunEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunEnd::Idle { at } => write!(f, "idle at {at}: no events pending"),
            RunEnd::Stopped { at } => write!(f, "stopped at {at}"),
            RunEnd::StepLimit { steps, at, pending } => write!(
                f,
                "step limit reached: {steps} steps handled by {at}, {pending} events still pending"
            ),
            RunEnd::TimeLimit {
                limit,
                next,
                pending,
            } => write!(
                f,
                "time limit reached: next event due at {next} is after the limit {limit}, {pending} events still pending"
            ),
        }
    }
}

/// What a handler tells the engine after an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// End the run now.
    Stop,
}

/// The clock and the queue. Generic over the event type so that it knows nothing of what the
/// events mean.
pub struct Engine<E> {
    now: SimTime,
    steps: u64,
    queue: EventQueue<E>,
}

impl<E> Default for Engine<E> {
    fn default() -> Self {
        Engine {
            now: SimTime::ZERO,
            steps: 0,
            queue: EventQueue::new(),
        }
    }
}

impl<E> Engine<E> {
    /// A clock at zero with nothing queued.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events handled since the engine was created.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Events still queued.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// When the next event is due.
    pub fn next_due(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Schedules `event` at `at`.
    ///
    /// # Panics
    /// If `at` is in the past: the clock never goes backwards.
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> u64 {
        assert!(
            at >= self.now,
            "event scheduled in the past ({at} < now {})",
            self.now
        );
        self.queue.push(at, event)
    }

    /// Schedules `event` after `delay`.
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> u64 {
        let at = self.now + delay;
        self.queue.push(at, event)
    }

    /// Pops the earliest event and moves the clock to its time.
    pub fn step(&mut self) -> Option<(SimTime, E)> {
        let (at, _seq, event) = self.queue.pop()?;
        assert!(at >= self.now, "event queue returned an event in the past");
        self.now = at;
        self.steps += 1;
        Some((at, event))
    }

    /// Moves the clock forward to `t` without handling anything.
    ///
    /// # Panics
    /// If an event is due before `t` (it would be skipped) or `t` is in the past.
    pub fn advance_to(&mut self, t: SimTime) {
        assert!(t >= self.now, "advance_to a time in the past");
        if let Some(next) = self.queue.peek_time() {
            assert!(next >= t, "advance_to would skip an event due at {next}");
        }
        self.now = t;
    }

    /// Handles events in order until the queue is empty, the handler stops, or a limit hits.
    pub fn run<F>(&mut self, limits: RunLimits, mut handler: F) -> RunEnd
    where
        F: FnMut(&mut Engine<E>, SimTime, E) -> Flow,
    {
        let mut handled = 0u64;
        loop {
            let Some(next) = self.queue.peek_time() else {
                return RunEnd::Idle { at: self.now };
            };
            if next > limits.time_max {
                return RunEnd::TimeLimit {
                    limit: limits.time_max,
                    next,
                    pending: self.queue.len(),
                };
            }
            if handled >= limits.steps_max {
                return RunEnd::StepLimit {
                    steps: handled,
                    at: self.now,
                    pending: self.queue.len(),
                };
            }
            let (at, event) = self.step().expect("peeked event is still queued");
            handled += 1;
            if handler(self, at, event) == Flow::Stop {
                return RunEnd::Stopped { at };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ends_idle_when_the_queue_drains() {
        let mut e = Engine::new();
        e.schedule_in(SimDuration::from_ms(5), 1u32);
        e.schedule_in(SimDuration::from_ms(3), 2u32);
        let mut seen = vec![];
        let end = e.run(RunLimits::default(), |_, at, ev| {
            seen.push((at.as_ms(), ev));
            Flow::Continue
        });
        assert_eq!(seen, [(3, 2), (5, 1)]);
        assert_eq!(
            end,
            RunEnd::Idle {
                at: SimTime::from_ms(5)
            }
        );
    }

    #[test]
    fn a_self_rescheduling_event_hits_the_step_limit_not_a_hang() {
        let mut e = Engine::new();
        e.schedule_in(SimDuration::ZERO, ());
        let limits = RunLimits {
            steps_max: 50,
            time_max: SimTime::MAX,
        };
        let end = e.run(limits, |eng, _, ()| {
            eng.schedule_in(SimDuration::ZERO, ());
            Flow::Continue
        });
        assert!(matches!(
            end,
            RunEnd::StepLimit {
                steps: 50,
                pending: 1,
                ..
            }
        ));
        assert!(end.to_string().starts_with("step limit reached: 50 steps"));
    }

    #[test]
    fn time_limit_leaves_later_events_queued() {
        let mut e = Engine::new();
        e.schedule_at(SimTime::from_ms(10), "early");
        e.schedule_at(SimTime::from_ms(1000), "late");
        let limits = RunLimits {
            steps_max: 100,
            time_max: SimTime::from_ms(500),
        };
        let end = e.run(limits, |_, _, _| Flow::Continue);
        assert_eq!(
            end,
            RunEnd::TimeLimit {
                limit: SimTime::from_ms(500),
                next: SimTime::from_ms(1000),
                pending: 1
            }
        );
        assert_eq!(e.now(), SimTime::from_ms(10));
        e.advance_to(SimTime::from_ms(500));
        assert_eq!(e.now(), SimTime::from_ms(500));
    }

    #[test]
    fn stop_ends_the_run_early() {
        let mut e = Engine::new();
        for i in 0..10u32 {
            e.schedule_in(SimDuration::from_ms(u64::from(i)), i);
        }
        let end = e.run(RunLimits::default(), |_, _, ev| {
            if ev == 3 { Flow::Stop } else { Flow::Continue }
        });
        assert_eq!(
            end,
            RunEnd::Stopped {
                at: SimTime::from_ms(3)
            }
        );
        assert_eq!(e.pending(), 6);
    }

    #[test]
    #[should_panic(expected = "scheduled in the past")]
    fn scheduling_in_the_past_is_a_bug() {
        let mut e = Engine::new();
        e.schedule_at(SimTime::from_ms(10), ());
        e.step();
        e.schedule_at(SimTime::from_ms(5), ());
    }
}
