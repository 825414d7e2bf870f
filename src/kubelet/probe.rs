//! Probe workers (`pkg/kubelet/prober/worker.go`): one per (container, probe kind), ticking
//! every `periodSeconds` from the moment the pod was added, gated by `initialDelaySeconds`
//! and the startup probe, publishing a result only after `successThreshold` /
//! `failureThreshold` consecutive equal results (spec K7–K11).

use k8s_openapi::api::core::v1::Probe;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::engine::{SimDuration, SimTime};

use super::app::ProbeKind;

/// One probe worker.
#[derive(Clone, Debug)]
pub(super) struct ProbeWorker {
    pub kind: ProbeKind,
    pub spec: Probe,
    /// When the worker started (its ticker's phase).
    pub epoch: SimTime,
    pub next_tick: SimTime,
    /// A manual run is requested (readiness right after the container starts).
    pub manual: bool,
    /// The container instance the results belong to.
    pub container_id: Option<String>,
    /// The published result: `None` is Unknown.
    pub published: Option<bool>,
    last_result: Option<bool>,
    run: i32,
    /// After a liveness/startup failure: wait for a new container.
    pub on_hold: bool,
    /// The worker ended (pod terminating for liveness/startup).
    pub stopped: bool,
}

/// What a probe tick concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Nothing published.
    None,
    /// A result was published.
    Published(bool),
}

impl ProbeWorker {
    pub fn new(kind: ProbeKind, spec: Probe, epoch: SimTime) -> ProbeWorker {
        ProbeWorker {
            kind,
            spec,
            epoch,
            next_tick: epoch,
            manual: false,
            container_id: None,
            published: None,
            last_result: None,
            run: 0,
            on_hold: false,
            stopped: false,
        }
    }

    pub fn period(&self) -> SimDuration {
        let s = self.spec.period_seconds.unwrap_or(10).max(1);
        SimDuration::from_secs(u64::try_from(s).unwrap_or(10))
    }

    pub fn initial_delay(&self) -> SimDuration {
        let s = self.spec.initial_delay_seconds.unwrap_or(0).max(0);
        SimDuration::from_secs(u64::try_from(s).unwrap_or(0))
    }

    pub fn timeout(&self) -> SimDuration {
        let s = self.spec.timeout_seconds.unwrap_or(1).max(1);
        SimDuration::from_secs(u64::try_from(s).unwrap_or(1))
    }

    fn initial_value(&self) -> Option<bool> {
        match self.kind {
            ProbeKind::Readiness => Some(false),
            ProbeKind::Liveness => Some(true),
            ProbeKind::Startup => None,
        }
    }

    /// When the worker next wants to run.
    pub fn due_at(&self, now: SimTime) -> Option<SimTime> {
        if self.stopped {
            None
        } else if self.manual {
            Some(now)
        } else {
            Some(self.next_tick)
        }
    }

    /// Consumes a tick at `now`: the ticker moves to its next multiple of the period.
    pub fn consume_tick(&mut self, now: SimTime) {
        if self.manual {
            self.manual = false;
            if self.next_tick > now {
                return;
            }
        }
        let period = self.period().as_ms().max(1);
        let elapsed = now.saturating_since(self.epoch).as_ms();
        let k = elapsed / period + 1;
        self.next_tick = self.epoch + SimDuration::from_ms(k * period);
    }

    /// A new container instance appeared: results start over from the initial value.
    pub fn reset_for(&mut self, id: &str) {
        self.container_id = Some(id.to_string());
        self.published = self.initial_value();
        self.last_result = None;
        self.run = 0;
        self.on_hold = false;
    }

    /// Counts one result and publishes it when its threshold is reached.
    pub fn record(&mut self, success: bool) -> Verdict {
        if self.last_result == Some(success) {
            self.run += 1;
        } else {
            self.last_result = Some(success);
            self.run = 1;
        }
        let failure_threshold = self.spec.failure_threshold.unwrap_or(3).max(1);
        let success_threshold = match self.kind {
            ProbeKind::Readiness => self.spec.success_threshold.unwrap_or(1).max(1),
            _ => 1,
        };
        if (!success && self.run < failure_threshold) || (success && self.run < success_threshold) {
            return Verdict::None;
        }
        self.published = Some(success);
        if !success && self.kind != ProbeKind::Readiness {
            self.on_hold = true;
            self.run = 0;
        }
        Verdict::Published(success)
    }

    /// The failure text of a probe that got no answer within `timeoutSeconds`.
    pub fn timeout_text(&self, pod_ip: &str) -> String {
        let port = |p: &IntOrString| match p {
            IntOrString::Int(i) => i.to_string(),
            IntOrString::String(s) => s.clone(),
        };
        if let Some(h) = &self.spec.http_get {
            let host = h
                .host
                .as_deref()
                .filter(|x| !x.is_empty())
                .unwrap_or(pod_ip);
            let scheme = h.scheme.as_deref().unwrap_or("HTTP").to_ascii_lowercase();
            return format!(
                "Get \"{scheme}://{host}:{}{}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
                port(&h.port),
                h.path.as_deref().unwrap_or("/")
            );
        }
        if let Some(t) = &self.spec.tcp_socket {
            let host = t
                .host
                .as_deref()
                .filter(|x| !x.is_empty())
                .unwrap_or(pod_ip);
            return format!("dial tcp {host}:{}: i/o timeout", port(&t.port));
        }
        if let Some(e) = &self.spec.exec {
            let cmd = e.command.clone().unwrap_or_default().join(" ");
            return format!("command \"{cmd}\" timed out");
        }
        format!(
            "timeout: health rpc did not complete within {}",
            self.timeout()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(kind: ProbeKind, failure: i32, success: i32) -> ProbeWorker {
        ProbeWorker::new(
            kind,
            Probe {
                failure_threshold: Some(failure),
                success_threshold: Some(success),
                period_seconds: Some(5),
                ..Default::default()
            },
            SimTime::from_ms(1_500),
        )
    }

    #[test]
    fn results_publish_only_at_their_threshold() {
        let mut w = worker(ProbeKind::Readiness, 3, 2);
        w.reset_for("a");
        assert_eq!(w.published, Some(false));
        assert_eq!(w.record(true), Verdict::None);
        assert_eq!(w.record(true), Verdict::Published(true));
        assert_eq!(w.record(false), Verdict::None);
        assert_eq!(w.record(false), Verdict::None);
        assert_eq!(w.record(true), Verdict::None, "a success breaks the run");
        assert_eq!(w.record(false), Verdict::None);
        assert_eq!(w.record(false), Verdict::None);
        assert_eq!(w.record(false), Verdict::Published(false));
        assert!(!w.on_hold, "readiness failures do not hold the worker");
    }

    #[test]
    fn liveness_failure_holds_until_a_new_container() {
        let mut w = worker(ProbeKind::Liveness, 1, 1);
        w.reset_for("a");
        assert_eq!(w.published, Some(true));
        assert_eq!(w.record(false), Verdict::Published(false));
        assert!(w.on_hold);
        w.reset_for("b");
        assert!(!w.on_hold);
        assert_eq!(w.published, Some(true));
        let mut s = worker(ProbeKind::Startup, 1, 1);
        s.reset_for("a");
        assert_eq!(s.published, None, "startup starts Unknown");
    }

    #[test]
    fn the_ticker_keeps_its_phase_from_the_worker_start() {
        let mut w = worker(ProbeKind::Readiness, 3, 1);
        assert_eq!(w.due_at(SimTime::ZERO), Some(SimTime::from_ms(1_500)));
        w.consume_tick(SimTime::from_ms(1_500));
        assert_eq!(w.next_tick, SimTime::from_ms(6_500));
        w.manual = true;
        assert_eq!(
            w.due_at(SimTime::from_ms(3_000)),
            Some(SimTime::from_ms(3_000))
        );
        w.consume_tick(SimTime::from_ms(3_000));
        assert_eq!(
            w.next_tick,
            SimTime::from_ms(6_500),
            "a manual run leaves the ticker alone"
        );
        w.consume_tick(SimTime::from_ms(20_000));
        assert_eq!(w.next_tick, SimTime::from_ms(21_500));
    }
}
