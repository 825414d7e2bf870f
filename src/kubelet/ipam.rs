//! Pod IPs from the node's pod CIDR, as the host-local IPAM plugin (kindnet) hands them out:
//! the next free address after the last one given, wrapping around, so a re-created pod gets
//! a new address while the range lasts. Where the first address falls is drawn from the
//! kubelet's random stream (a real node has already given some to system pods).

use std::collections::BTreeSet;

use crate::engine::SimRng;

/// An IPv4 pod range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipam {
    base: u32,
    /// Number of addresses in the range.
    size: u32,
    last: Option<u32>,
    used: BTreeSet<u32>,
}

fn parse_v4(s: &str) -> Option<u32> {
    let mut out: u32 = 0;
    let mut parts = 0;
    for p in s.split('.') {
        let n: u8 = p.parse().ok()?;
        out = (out << 8) | u32::from(n);
        parts += 1;
    }
    (parts == 4).then_some(out)
}

fn format_v4(ip: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 0xff,
        (ip >> 8) & 0xff,
        ip & 0xff
    )
}

impl Ipam {
    /// A range for `cidr` (`10.244.1.0/24`); an unparsable CIDR falls back to
    /// `10.244.0.0/24`.
    pub fn new(cidr: &str) -> Ipam {
        let parsed = cidr.split_once('/').and_then(|(ip, bits)| {
            let ip = parse_v4(ip)?;
            let bits: u32 = bits.parse().ok()?;
            (8..=30).contains(&bits).then_some((ip, bits))
        });
        let (ip, bits) = parsed.unwrap_or((0x0af4_0000, 24));
        let size = 1u32 << (32 - bits);
        Ipam {
            base: ip & !(size - 1),
            size,
            last: None,
            used: BTreeSet::new(),
        }
    }

    /// Usable offsets: skip the network address, the gateway (.1) and the broadcast address.
    fn usable(&self, offset: u32) -> bool {
        offset >= 2 && offset < self.size - 1
    }

    /// The next free address, or `None` when the range is exhausted.
    pub fn allocate(&mut self, rng: &mut SimRng) -> Option<String> {
        let start = match self.last {
            Some(l) => l,
            None => 1 + rng.below(6) as u32,
        };
        for step in 1..=self.size {
            let offset = (start + step) % self.size;
            if self.usable(offset) && !self.used.contains(&offset) {
                self.used.insert(offset);
                self.last = Some(offset);
                return Some(format_v4(self.base + offset));
            }
        }
        None
    }

    /// Returns `ip` to the range.
    pub fn release(&mut self, ip: &str) {
        if let Some(v) = parse_v4(ip)
            && v >= self.base
            && v - self.base < self.size
        {
            self.used.remove(&(v - self.base));
        }
    }

    /// Addresses in use.
    #[cfg(test)]
    pub fn in_use(&self) -> usize {
        self.used.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_come_from_the_range_in_order_and_are_not_reused_at_once() {
        let mut rng = SimRng::from_seed(7);
        let mut ipam = Ipam::new("10.244.1.0/24");
        let a = ipam.allocate(&mut rng).unwrap();
        assert!(a.starts_with("10.244.1."), "{a}");
        let first: u32 = a.rsplit('.').next().unwrap().parse().unwrap();
        assert!((2..=7).contains(&first), "{a}");
        let b = ipam.allocate(&mut rng).unwrap();
        assert_eq!(b, format!("10.244.1.{}", first + 1));
        ipam.release(&a);
        let c = ipam.allocate(&mut rng).unwrap();
        assert_ne!(c, a, "a re-created pod gets a new address");
        assert_eq!(ipam.in_use(), 2);
    }

    #[test]
    fn a_small_range_wraps_and_then_runs_out() {
        let mut rng = SimRng::from_seed(1);
        let mut ipam = Ipam::new("10.0.0.0/30");
        // /30: offsets 0..4, usable only 2.
        assert_eq!(ipam.allocate(&mut rng).as_deref(), Some("10.0.0.2"));
        assert_eq!(ipam.allocate(&mut rng), None);
        ipam.release("10.0.0.2");
        assert_eq!(ipam.allocate(&mut rng).as_deref(), Some("10.0.0.2"));
        let mut bad = Ipam::new("nonsense");
        assert!(bad.allocate(&mut rng).unwrap().starts_with("10.244.0."));
    }

    #[test]
    fn the_first_address_depends_on_the_seed_only() {
        let draw = |seed| Ipam::new("10.244.2.0/24").allocate(&mut SimRng::from_seed(seed));
        assert_eq!(draw(3), draw(3));
    }
}
